/** Rules of a policy that need the catalogue: every site, hub and jurisdiction it names. */
import type { SiteConfig } from "./catalogue-schema.ts";
import type { Finding, PathSegment } from "./config-error.ts";
import type {
  GeoPin,
  PolicyConfig,
  ResidencyRule,
  ServiceConfig,
  Tuning,
} from "./policy-schema.ts";
import type { Readable } from "./readable.ts";

/** What the catalogue tells the policy checks, as far as the catalogue could be read. */
export interface World {
  /** Every site id that can be read, broken entries' included. */
  readonly ids: ReadonlySet<string>;
  /** A broken entry had no readable id: any name might be it, so "unknown" cannot be said. */
  readonly idsIncomplete: boolean;
  /** Tiers and jurisdictions of the sites that passed the schema. */
  readonly tierOf: ReadonlyMap<string, "edge" | "hub">;
  readonly jurisdictions: ReadonlySet<string>;
  /** Every entry passed the schema, so the jurisdictions are all known. */
  readonly complete: boolean;
}

/** World facts from the raw `sites` list and what of it can be read (readable.ts). */
export function worldOf(raw: unknown, sites: readonly (Readable<SiteConfig> | null)[]): World {
  const entries = Array.isArray(raw) ? raw : [];
  const rawIds = entries.map((e) =>
    e !== null && typeof e === "object" ? (e as { id?: unknown }).id : undefined,
  );
  const tierOf = new Map<string, "edge" | "hub">();
  const jurisdictions = new Set<string>();
  for (const site of sites) {
    if (typeof site?.id === "string" && typeof site.tier === "string")
      tierOf.set(site.id, site.tier);
    if (typeof site?.jurisdiction === "string") jurisdictions.add(site.jurisdiction);
  }
  return {
    ids: new Set(rawIds.filter((id): id is string => typeof id === "string")),
    idsIncomplete: rawIds.some((id) => typeof id !== "string"),
    tierOf,
    jurisdictions,
    complete:
      sites.length === entries.length &&
      sites.every((site) => typeof site?.jurisdiction === "string"),
  };
}

type Report = (path: readonly PathSegment[], message: string) => void;

/** A policy as far as it can be read (readable.ts): null parts are unknown, and not checked. */
export type PartialPolicy = Readable<PolicyConfig>;
type ServiceReading = Readable<ServiceConfig>;
type TuningReading = Readable<Partial<Tuning>>;

export function checkPolicy(policy: PartialPolicy, world: World | undefined): Finding[] {
  const findings: Finding[] = [];
  const report: Report = (path, message) => findings.push({ path, message });
  const defaults = policy.defaults ?? null;
  if (defaults) checkTuning(defaults, ["defaults"], world, report);
  const names = new Map<string, number>();
  const routes = new Map<string, string>();
  policy.services?.forEach((service, index) => {
    if (service === null) return;
    const at = ["services", index];
    const { name, pathPrefix } = service;
    const first = typeof name === "string" ? names.get(name) : undefined;
    if (typeof name === "string" && first === undefined) names.set(name, index);
    else if (first !== undefined)
      report([...at, "name"], `duplicate service name "${name}" (first at services[${first}])`);
    service.hosts?.forEach((host, h) => {
      if (host === null || typeof pathPrefix !== "string") return;
      const route = `${host}${pathPrefix}`;
      const owner = routes.get(route);
      if (owner === undefined) routes.set(route, typeof name === "string" ? name : `#${index}`);
      else
        report(
          [...at, "hosts", h],
          `host ${host} with path ${pathPrefix} is served already by "${owner}"`,
        );
    });
    checkTuning(service, at, world, report);
    checkWeighted(defaults, service, at, report);
  });
  return findings;
}

/** A service's own value of a tuning field, else the defaults'; null when either is unknown. */
function effective<K extends "steering" | "weights">(
  defaults: Readable<Tuning> | null,
  service: ServiceReading,
  key: K,
) {
  const own = service[key];
  return own === undefined ? (defaults?.[key] ?? null) : own;
}

function checkWeighted(
  defaults: Readable<Tuning> | null,
  service: ServiceReading,
  at: PathSegment[],
  report: Report,
): void {
  const steering = effective(defaults, service, "steering");
  const weights = effective(defaults, service, "weights");
  if (steering !== "weighted" || weights === null) return;
  const values = Object.values(weights);
  if (values.some((w) => w === null)) return; // an unreadable weight might be the positive one
  if (!values.some((w) => typeof w === "number" && w > 0)) {
    report([...at, "weights"], "weighted steering needs at least one site with a weight above 0");
  }
}

function checkTuning(
  tuning: TuningReading,
  at: PathSegment[],
  world: World | undefined,
  report: Report,
): void {
  const site = (path: PathSegment[], id: string | null, wantHub = false) => {
    if (!world || id === null) return;
    if (!world.ids.has(id)) {
      if (!world.idsIncomplete) report(path, `unknown site "${id}"`);
      return;
    }
    const tier = world.tierOf.get(id);
    if (wantHub && tier !== undefined && tier !== "hub") report(path, `site "${id}" is not a hub`);
  };
  for (const key of ["weights", "trafficDialPercent"] as const) {
    for (const id of Object.keys(tuning[key] ?? {})) site([...at, key, id], id);
  }
  for (const [i, id] of (tuning.drain ?? []).entries()) site([...at, "drain", i], id);
  for (const [i, id] of (tuning.hubOrder ?? []).entries()) site([...at, "hubOrder", i], id, true);
  for (const [p, pin] of (tuning.pins ?? []).entries()) {
    if (pin === null) continue;
    checkClientMatch(pin, [...at, "pins", p], report);
    for (const [i, id] of (pin.sites ?? []).entries()) site([...at, "pins", p, "sites", i], id);
  }
  for (const [r, rule] of (tuning.residency ?? []).entries()) {
    if (rule !== null) checkResidency(rule, [...at, "residency", r], world, report);
  }
  checkSpill(tuning.spill ?? null, [...at, "spill"], report);
}

/** Each pair of thresholds in order, where both of the pair can be read. */
function checkSpill(
  spill: Readable<Tuning["spill"]> | null,
  at: PathSegment[],
  report: Report,
): void {
  const above = (low: unknown, high: unknown, path: PathSegment[], lowName: string) => {
    if (typeof low === "number" && typeof high === "number" && high <= low)
      report([...at, ...path], `must be above ${lowName}`);
  };
  const { errorRatio, latency, saturation } = spill ?? {};
  above(
    errorRatio?.degradedAbove,
    errorRatio?.downAbove,
    ["errorRatio", "downAbove"],
    "degradedAbove",
  );
  above(
    latency?.degradedAboveRatio,
    latency?.downAboveRatio,
    ["latency", "downAboveRatio"],
    "degradedAboveRatio",
  );
  above(
    saturation?.degradedAbove,
    saturation?.downAbove,
    ["saturation", "downAbove"],
    "degradedAbove",
  );
}

function checkResidency(
  rule: Readable<ResidencyRule>,
  at: PathSegment[],
  world: World | undefined,
  report: Report,
): void {
  checkClientMatch(rule, at, report);
  rule.allowJurisdictions?.forEach((j, i) => {
    if (j !== null && world?.complete && !world.jurisdictions.has(j)) {
      report([...at, "allowJurisdictions", i], `no site has jurisdiction "${j}"`);
    }
  });
}

/** A pin or rule that lists no client at all; unknown (an unreadable list) is not "none". */
function checkClientMatch(
  match: Readable<GeoPin> | Readable<ResidencyRule>,
  at: PathSegment[],
  report: Report,
): void {
  const lists = [match.clientCountries, match.clientRegions, match.clientContinents];
  if (lists.some((list) => list === null)) return;
  if (lists.reduce((n, list) => n + (list?.length ?? 0), 0) === 0) {
    report(at, "matches no client: give clientCountries, clientRegions or clientContinents");
  }
}
