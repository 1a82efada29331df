/**
 * The snapshot: the immutable routing state a decision reads — catalogue, site health,
 * ops flags, the RTT table and the resolved per-service policy. Built off the request
 * path, frozen, and swapped whole. Sites are addressed by index for speed; ids by name.
 *
 * The one mutable part is `plans`, a bounded memo of a pure function of the snapshot
 * (see decide.ts): it can make an answer faster, never different.
 */
import type { CatalogueConfig, SiteConfig } from "./catalogue-schema.ts";
import { estimateRttMs } from "./geo.ts";
import type { PolicyConfig } from "./policy-schema.ts";
import { buildServiceRouter, type ServiceRouter } from "./service-router.ts";
import { buildServiceTables, type ServiceTables } from "./service-tables.ts";
import { resolveService, type ServiceView } from "./service-view.ts";

export type SiteState = "healthy" | "degraded" | "down" | "draining" | "compromised";

/** What health sources say of a site; absent means healthy. */
export interface SiteHealth {
  readonly state: "healthy" | "degraded" | "down";
  /** 0..1: the share of the site that works (1 healthy, 0 down). */
  readonly fraction: number;
  /** Typical service time inside the site, ms (used by `latency` steering). */
  readonly serviceLatencyMs?: number;
  /** In-flight requests / capacity (0 idle, 1 full). */
  readonly saturation?: number;
}

/** Ops overrides (admin API, Consul KV); a field set here wins over the catalogue's flag. */
export interface OpsOverride {
  readonly draining?: boolean;
  readonly compromised?: boolean;
  readonly trafficDialPercent?: number;
}

export interface SiteView {
  readonly index: number;
  readonly config: SiteConfig;
  readonly id: string;
  readonly tier: "edge" | "hub";
  readonly state: SiteState;
  /** Health fraction 0..1, whatever the ops flags say. */
  readonly health: number;
  /** Site-wide traffic dial 0..1 from the catalogue and ops. */
  readonly dial: number;
  readonly serviceLatencyMs: number;
  readonly saturation: number;
}

export interface Snapshot {
  readonly version: number;
  readonly sites: readonly SiteView[];
  readonly siteIndex: ReadonlyMap<string, number>;
  /** rttMs[ingress][site]: measured where known, else the great-circle estimate. */
  readonly rttMs: readonly (readonly number[])[];
  readonly rttMeasured: readonly (readonly boolean[])[];
  readonly services: readonly ServiceView[];
  readonly router: ServiceRouter;
  readonly plans: Map<number | string, unknown>;
}

export interface SnapshotInput {
  readonly version: number;
  readonly catalogue: CatalogueConfig;
  readonly policy: PolicyConfig;
  readonly health?: Readonly<Record<string, SiteHealth>>;
  readonly overrides?: Readonly<Record<string, OpsOverride>>;
  /** measuredRttMs[ingressId][siteId], ms. */
  readonly measuredRttMs?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** coordinateRttMs[ingressId][siteId]: estimates from Consul's network coordinates, ms. */
  readonly coordinateRttMs?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Backends found in Consul for sites the catalogue gives a `consul` service (host:port). */
  readonly discoveredBackends?: Readonly<Record<string, readonly string[]>>;
}

function siteView(listed: SiteConfig, index: number, input: SnapshotInput): SiteView {
  // A Consul site's backends are what discovery found: none until its first answer.
  const config = listed.consul
    ? Object.freeze({ ...listed, backends: [...(input.discoveredBackends?.[listed.id] ?? [])] })
    : listed;
  const health = input.health?.[config.id];
  const ops = { ...config.flags, ...input.overrides?.[config.id] };
  const fraction = health ? Math.min(1, Math.max(0, health.fraction)) : 1;
  const healthState = health?.state ?? "healthy";
  const state: SiteState = ops.compromised
    ? "compromised"
    : ops.draining
      ? "draining"
      : healthState === "down" || (healthState === "degraded" && fraction === 0)
        ? "down"
        : healthState;
  return Object.freeze({
    index,
    config,
    id: config.id,
    tier: config.tier,
    state,
    health: healthState === "down" ? 0 : healthState === "healthy" ? 1 : fraction,
    dial: Math.min(100, Math.max(0, ops.trafficDialPercent)) / 100,
    serviceLatencyMs: health?.serviceLatencyMs ?? 0,
    saturation: health?.saturation ?? 0,
  });
}

/** In a blend of both, the weight of the Consul coordinate estimate (the probe has the rest). */
export const COORDINATE_WEIGHT = 0.3;

const usable = (value: number | undefined): value is number =>
  value !== undefined && Number.isFinite(value) && value >= 0;

/**
 * RTT from one site to another, ms: a probe measurement and a Consul coordinate estimate
 * blended (probe 0.7, coordinates 0.3: the probe sees this gateway's real path but includes
 * the backend's handler time; the coordinates are the network's own view), either alone
 * when only one is known, else the great-circle estimate.
 */
function rttBetween(from: SiteConfig, to: SiteConfig, input: SnapshotInput): [number, boolean] {
  const probe = input.measuredRttMs?.[from.id]?.[to.id];
  const coordinate = input.coordinateRttMs?.[from.id]?.[to.id];
  if (usable(probe) && usable(coordinate))
    return [probe * (1 - COORDINATE_WEIGHT) + coordinate * COORDINATE_WEIGHT, true];
  if (usable(probe)) return [probe, true];
  if (usable(coordinate)) return [coordinate, true];
  return [estimateRttMs(from, to), false];
}

function rttTables(sites: readonly SiteConfig[], input: SnapshotInput) {
  const pairs = sites.map((from) => sites.map((to) => rttBetween(from, to, input)));
  return {
    rttMs: Object.freeze(pairs.map((row) => Object.freeze(row.map(([ms]) => ms)))),
    rttMeasured: Object.freeze(
      pairs.map((row) => Object.freeze(row.map(([, measured]) => measured))),
    ),
  };
}

/** Builds a frozen snapshot from validated configs; pure. */
export function buildSnapshot(input: SnapshotInput): Snapshot {
  const sites = Object.freeze(input.catalogue.sites.map((s, i) => siteView(s, i, input)));
  const siteIndex = new Map(sites.map((s) => [s.id, s.index]));
  const { defaults } = input.policy;
  let defaultsTables: ServiceTables | undefined;
  const routeAs = () =>
    (defaultsTables ??= buildServiceTables({ ...defaults, dryRun: false }, sites, siteIndex));
  const services = Object.freeze(
    input.policy.services.map((svc, i) =>
      resolveService(svc, i, defaults, sites, siteIndex, routeAs),
    ),
  );
  return Object.freeze({
    version: input.version,
    sites,
    siteIndex,
    ...rttTables(input.catalogue.sites, input),
    services,
    router: buildServiceRouter(services),
    plans: new Map<number | string, unknown>(),
  });
}
