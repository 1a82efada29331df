/** Rules of a policy that need the catalogue: every site, hub and jurisdiction it names. */
import type { SiteConfig } from "./catalogue-schema.ts";
import type { Finding, PathSegment } from "./config-error.ts";
import type { GeoPin, ResidencyRule, ServiceConfig, Tuning } from "./policy-schema.ts";

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

/** World facts from the raw `sites` list and what of it parsed (holes for broken entries). */
export function worldOf(raw: unknown, parsed: readonly (SiteConfig | undefined)[]): World {
  const entries = Array.isArray(raw) ? raw : [];
  const rawIds = entries.map((e) =>
    e !== null && typeof e === "object" ? (e as { id?: unknown }).id : undefined,
  );
  const known = parsed.filter((s) => s !== undefined);
  return {
    ids: new Set(rawIds.filter((id): id is string => typeof id === "string")),
    idsIncomplete: rawIds.some((id) => typeof id !== "string"),
    tierOf: new Map(known.map((s) => [s.id, s.tier])),
    jurisdictions: new Set(known.map((s) => s.jurisdiction)),
    complete: known.length === entries.length,
  };
}

type Report = (path: readonly PathSegment[], message: string) => void;

/** A policy as far as it parsed: services that failed the schema are holes. */
export interface PartialPolicy {
  readonly defaults: Tuning;
  readonly services: readonly (ServiceConfig | undefined)[];
}

export function checkPolicy(policy: PartialPolicy, world: World | undefined): Finding[] {
  const findings: Finding[] = [];
  const report: Report = (path, message) => findings.push({ path, message });
  checkTuning(policy.defaults, ["defaults"], world, report);
  const names = new Map<string, number>();
  const routes = new Map<string, string>();
  policy.services.forEach((service, index) => {
    if (service === undefined) return;
    const at = ["services", index];
    const first = names.get(service.name);
    if (first === undefined) names.set(service.name, index);
    else
      report(
        [...at, "name"],
        `duplicate service name "${service.name}" (first at services[${first}])`,
      );
    service.hosts.forEach((host, h) => {
      const route = `${host}${service.pathPrefix}`;
      const owner = routes.get(route);
      if (owner === undefined) routes.set(route, service.name);
      else
        report(
          [...at, "hosts", h],
          `host ${host} with path ${service.pathPrefix} is served already by "${owner}"`,
        );
    });
    checkTuning(service, at, world, report);
    checkWeighted(policy, service, at, report);
  });
  return findings;
}

function checkWeighted(
  policy: PartialPolicy,
  service: ServiceConfig,
  at: PathSegment[],
  report: Report,
): void {
  const steering = service.steering ?? policy.defaults.steering;
  const weights = service.weights ?? policy.defaults.weights;
  if (steering === "weighted" && !Object.values(weights).some((w) => w > 0)) {
    report([...at, "weights"], "weighted steering needs at least one site with a weight above 0");
  }
}

function checkTuning(
  tuning: Partial<Tuning>,
  at: PathSegment[],
  world: World | undefined,
  report: Report,
): void {
  const site = (path: PathSegment[], id: string, wantHub = false) => {
    if (!world) return;
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
    checkClientMatch(pin, [...at, "pins", p], report);
    for (const [i, id] of pin.sites.entries()) site([...at, "pins", p, "sites", i], id);
  }
  for (const [r, rule] of (tuning.residency ?? []).entries()) {
    checkResidency(rule, [...at, "residency", r], world, report);
  }
  const spill = tuning.spill;
  if (spill && spill.errorRatio.downAbove <= spill.errorRatio.degradedAbove) {
    report([...at, "spill", "errorRatio", "downAbove"], "must be above degradedAbove");
  }
  if (spill && spill.latency.downAboveRatio <= spill.latency.degradedAboveRatio) {
    report([...at, "spill", "latency", "downAboveRatio"], "must be above degradedAboveRatio");
  }
  if (spill && spill.saturation.downAbove <= spill.saturation.degradedAbove) {
    report([...at, "spill", "saturation", "downAbove"], "must be above degradedAbove");
  }
}

function checkResidency(
  rule: ResidencyRule,
  at: PathSegment[],
  world: World | undefined,
  report: Report,
): void {
  checkClientMatch(rule, at, report);
  rule.allowJurisdictions.forEach((j, i) => {
    if (world?.complete && !world.jurisdictions.has(j)) {
      report([...at, "allowJurisdictions", i], `no site has jurisdiction "${j}"`);
    }
  });
}

function checkClientMatch(match: GeoPin | ResidencyRule, at: PathSegment[], report: Report): void {
  if (
    match.clientCountries.length + match.clientRegions.length + match.clientContinents.length ===
    0
  ) {
    report(at, "matches no client: give clientCountries, clientRegions or clientContinents");
  }
}
