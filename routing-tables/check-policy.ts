/** Rules of a policy that need the catalogue: every site, hub and jurisdiction it names. */
import type { SiteConfig } from "./catalogue-schema.ts";
import type { Finding, PathSegment } from "./config-error.ts";
import type { GeoPin, ResidencyRule, ServiceConfig, Tuning } from "./policy-schema.ts";

interface World {
  readonly tierOf: ReadonlyMap<string, "edge" | "hub">;
  readonly jurisdictions: ReadonlySet<string>;
}

type Report = (path: readonly PathSegment[], message: string) => void;

/** A policy as far as it parsed: services that failed the schema are holes. */
export interface PartialPolicy {
  readonly defaults: Tuning;
  readonly services: readonly (ServiceConfig | undefined)[];
}

export function checkPolicy(
  policy: PartialPolicy,
  sites: readonly (SiteConfig | undefined)[] | undefined,
): Finding[] {
  const findings: Finding[] = [];
  const report: Report = (path, message) => findings.push({ path, message });
  const known = sites?.filter((s) => s !== undefined);
  // A catalogue with broken sites cannot say a site is unknown: skip those checks then.
  const world: World | undefined =
    known && known.length === sites?.length
      ? {
          tierOf: new Map(known.map((s) => [s.id, s.tier])),
          jurisdictions: new Set(known.map((s) => s.jurisdiction)),
        }
      : undefined;
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
    const tier = world.tierOf.get(id);
    if (tier === undefined) report(path, `unknown site "${id}"`);
    else if (wantHub && tier !== "hub") report(path, `site "${id}" is not a hub`);
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
    if (world && !world.jurisdictions.has(j)) {
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
