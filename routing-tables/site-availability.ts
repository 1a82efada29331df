/**
 * Per-request-independent facts about each site for one service: may it serve at all,
 * how much of its share can it keep, and what does sending a request there cost.
 */

import type { ClientLocation } from "./client.ts";
import { estimateRttMs } from "./geo.ts";
import type { ResidencyRule, Tuning } from "./policy-schema.ts";
import type { Exclusion } from "./reason.ts";
import type { SiteView, Snapshot } from "./snapshot.ts";

export interface SiteFigures {
  /** Sites that may serve (not compromised, allowed by residency): panic spreads over these. */
  readonly eligible: readonly number[];
  readonly excluded: readonly Exclusion[];
  /** 0..1 share of its load a site keeps: min(1, health × overprovisioning) × dials. */
  readonly availability: readonly number[];
  readonly costMs: readonly number[];
  /** Usable capacity of the eligible sites as a percent of their capacity (health only). */
  readonly usablePercent: number;
}

export function siteFigures(
  snapshot: Snapshot,
  tuning: Tuning,
  ingress: number,
  client: ClientLocation,
  direct: boolean,
  rule: ResidencyRule | undefined,
): SiteFigures {
  const eligible: number[] = [];
  const excluded: Exclusion[] = [];
  const availability: number[] = [];
  const costMs: number[] = [];
  let capacity = 0;
  let usable = 0;
  for (const site of snapshot.sites) {
    availability.push(0);
    costMs.push(costOf(snapshot, site, tuning, ingress, client, direct));
    if (site.state === "compromised") {
      excluded.push({ site: site.id, code: "compromised" });
      continue;
    }
    if (rule && !rule.allowJurisdictions.includes(site.config.jurisdiction)) {
      excluded.push({ site: site.id, code: "residency" });
      continue;
    }
    eligible.push(site.index);
    capacity += site.config.capacity;
    usable += site.config.capacity * (site.state === "down" ? 0 : site.health);
    const blocked = blockedBy(site, tuning);
    if (blocked) excluded.push({ site: site.id, code: blocked });
    else availability[site.index] = keptShare(site, tuning);
  }
  const usablePercent = capacity > 0 ? (100 * usable) / capacity : 0;
  return { eligible, excluded, availability, costMs, usablePercent };
}

function blockedBy(site: SiteView, tuning: Tuning): Exclusion["code"] | undefined {
  if (site.state === "draining") return "draining";
  if (site.state === "down") return "down";
  if (tuning.drain.includes(site.id)) return "drained-by-policy";
  if (dialOf(site, tuning) === 0) return "dial-zero";
  return undefined;
}

function dialOf(site: SiteView, tuning: Tuning): number {
  return site.dial * ((tuning.trafficDialPercent[site.id] ?? 100) / 100);
}

/** Envoy's rule: a site at health h keeps min(1, h × overprovisioning) of its share. */
function keptShare(site: SiteView, tuning: Tuning): number {
  const health =
    site.state === "healthy" ? 1 : Math.min(1, site.health * tuning.overprovisioningFactor);
  return health * dialOf(site, tuning);
}

function costOf(
  snapshot: Snapshot,
  site: SiteView,
  tuning: Tuning,
  ingress: number,
  client: ClientLocation,
  direct: boolean,
): number {
  const { latitude, longitude } = client;
  const network =
    direct && latitude !== undefined && longitude !== undefined
      ? estimateRttMs({ latitude, longitude }, site.config)
      : (snapshot.rttMs[ingress]?.[site.index] ?? Number.POSITIVE_INFINITY);
  return tuning.steering === "latency" ? network + site.serviceLatencyMs : network;
}
