/**
 * Everything about a service's routing that depends on the snapshot but not on the request,
 * computed once when the snapshot is built: per site, how much of its share it keeps and why
 * it may be blocked; the policy's weights, hub order, residency rules and pins as site indices.
 */
import type { GeoPin, ResidencyRule, Tuning } from "./policy-schema.ts";
import type { ExclusionCode } from "./reason.ts";
import type { SiteView } from "./snapshot.ts";

export interface ResolvedRule {
  readonly rule: ResidencyRule;
  /** allowed[site]: the site's jurisdiction is one the rule allows. */
  readonly allowed: readonly boolean[];
}

export interface ResolvedPin {
  readonly pin: GeoPin;
  readonly sites: readonly number[];
  readonly hubs: readonly number[];
}

export interface ServiceTables {
  readonly tuning: Tuning;
  /** 0..1 share a site keeps: min(1, health × overprovisioning) × dials; 0 when blocked. */
  readonly kept: readonly number[];
  /** Why a (non-compromised) site can take no share for this service, if it cannot. */
  readonly blockedBy: readonly (ExclusionCode | undefined)[];
  readonly weight: readonly number[];
  readonly hubOrder: readonly number[];
  readonly residency: readonly ResolvedRule[];
  readonly pins: readonly ResolvedPin[];
}

export function buildServiceTables(
  tuning: Tuning,
  sites: readonly SiteView[],
  siteIndex: ReadonlyMap<string, number>,
): ServiceTables {
  const indices = (ids: readonly string[]) =>
    ids.map((id) => siteIndex.get(id)).filter((i): i is number => i !== undefined);
  const isHub = (i: number) => sites[i]?.tier === "hub";
  const drained = new Set(tuning.drain);
  const shares = sites.map((site) => keptShare(site, tuning));
  // A share that rounds to nothing (a subnormal health fraction) is a down site, and says so.
  const blockedBy = sites.map(
    (site, i) => blockOf(site, tuning, drained) ?? ((shares[i] ?? 0) > 0 ? undefined : "down"),
  );
  return Object.freeze({
    tuning,
    kept: Object.freeze(shares.map((share, i) => (blockedBy[i] ? 0 : share))),
    blockedBy: Object.freeze(blockedBy),
    weight: Object.freeze(sites.map((site) => tuning.weights[site.id] ?? 0)),
    hubOrder: Object.freeze(indices(tuning.hubOrder).filter(isHub)),
    residency: Object.freeze(
      tuning.residency.map((rule) =>
        Object.freeze({
          rule,
          allowed: Object.freeze(
            sites.map((s) => rule.allowJurisdictions.includes(s.config.jurisdiction)),
          ),
        }),
      ),
    ),
    pins: Object.freeze(
      tuning.pins.map((pin) => {
        const pinned = indices(pin.sites);
        return Object.freeze({
          pin,
          sites: Object.freeze(pinned),
          hubs: Object.freeze(pinned.filter(isHub)),
        });
      }),
    ),
  });
}

function dialOf(site: SiteView, tuning: Tuning): number {
  return site.dial * ((tuning.trafficDialPercent[site.id] ?? 100) / 100);
}

function blockOf(
  site: SiteView,
  tuning: Tuning,
  drained: ReadonlySet<string>,
): ExclusionCode | undefined {
  if (site.state === "compromised") return "compromised";
  if (site.state === "draining") return "draining";
  if (site.state === "down") return "down";
  if (drained.has(site.id)) return "drained-by-policy";
  if (dialOf(site, tuning) === 0) return "dial-zero";
  return undefined;
}

/** Envoy's rule: a site at health h keeps min(1, h × overprovisioning) of its share. */
function keptShare(site: SiteView, tuning: Tuning): number {
  const health =
    site.state === "healthy" ? 1 : Math.min(1, site.health * tuning.overprovisioningFactor);
  return health * dialOf(site, tuning);
}
