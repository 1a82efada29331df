/**
 * Discovery from Consul: for every site whose catalogue entry names a Consul service, a
 * blocking query on `/v1/health/service/<service>?dc=<datacenter>&stale` keeps the site's
 * backends to the instances whose every check passes (a critical check or node/service
 * maintenance takes an instance out as soon as Consul's index moves). A failed query changes
 * nothing: routing goes on with the last answer, and the staleness is reported. An answer
 * Consul filtered by ACLs counts as a failed query (not visible is not empty).
 *
 * The loops follow the serving catalogue (the file's sites and the fleet's): a site that joins
 * gets its loop at once, a site that leaves (or changes service or datacenter) loses its own.
 * Fetch (health/consul) → pure transform (instanceVerdicts) → publish (RoutingState).
 */
import { blockingLoop } from "../../../health/consul/blocking-loop.ts";
import { type ConsulHttp, datacenterAnswers } from "../../../health/consul/consul-http.ts";
import { healthServiceQuery } from "../../../health/consul/consul-queries.ts";
import { instanceVerdicts } from "../../../health/consul/service-health.ts";
import type { SiteConfig } from "../../../routing-tables/catalogue-schema.ts";
import type { RoutingState } from "../../state/routing-state.ts";

export interface DiscoveryStatus {
  readonly site: string;
  readonly service: string;
  readonly datacenter: string;
  /** When the last answer came, ms since the epoch; undefined before the first. */
  readonly lastAnswerAtMs?: number;
  readonly lastContactMs?: number;
  readonly knownLeader?: boolean;
  /** Failed queries in a row (0 once one answers). */
  readonly consecutiveErrors: number;
  /** The last failed query's reason, until an answer comes. */
  readonly lastError?: string;
  readonly passing: number;
  readonly instances: number;
}

export interface Discovery {
  status(): readonly DiscoveryStatus[];
  stop(): Promise<void>;
}

export interface DiscoverySettings {
  readonly waitMs: number;
  /** How often a failing loop asks `status/leader` whether Consul is back, ms. */
  readonly recoveryProbeMs: number;
}

interface Loop {
  readonly key: string;
  readonly controller: AbortController;
  readonly done: Promise<void>;
}

const loopKey = (site: SiteConfig) =>
  site.consul ? `${site.id}\u0000${site.consul.service}\u0000${site.consul.datacenter}` : "";

export function consulDiscovery(
  http: ConsulHttp,
  state: RoutingState,
  settings: DiscoverySettings,
  now: () => number,
): Discovery {
  const statuses = new Map<string, DiscoveryStatus>();
  const loops = new Map<string, Loop>();
  const start = (site: SiteConfig): Loop => {
    const controller = new AbortController();
    const done = discover(http, state, site, settings, statuses, now, controller.signal);
    return { key: loopKey(site), controller, done };
  };
  const reconcile = () => {
    const wanted = new Map(
      state.catalogue.sites.filter((s) => s.consul).map((s) => [s.id, s] as const),
    );
    for (const [id, loop] of loops) {
      const site = wanted.get(id);
      if (site && loopKey(site) === loop.key) continue;
      loop.controller.abort();
      loops.delete(id);
      statuses.delete(id);
    }
    for (const [id, site] of wanted) if (!loops.has(id)) loops.set(id, start(site));
  };
  reconcile();
  const unsubscribe = state.subscribe((_snapshot, change) => {
    if (change.catalogue || change.fleetSites) reconcile();
  });
  return {
    status: () => [...statuses.values()],
    stop: async () => {
      unsubscribe();
      for (const loop of loops.values()) loop.controller.abort();
      await Promise.all([...loops.values()].map((l) => l.done));
    },
  };
}

function discover(
  http: ConsulHttp,
  state: RoutingState,
  site: SiteConfig,
  settings: DiscoverySettings,
  statuses: Map<string, DiscoveryStatus>,
  now: () => number,
  signal: AbortSignal,
): Promise<void> {
  const { service, datacenter } = site.consul ?? { service: "", datacenter: "" };
  statuses.set(site.id, {
    site: site.id,
    service,
    datacenter,
    consecutiveErrors: 0,
    passing: 0,
    instances: 0,
  });
  const update = (change: Partial<DiscoveryStatus>) => {
    const current = statuses.get(site.id);
    if (current && !signal.aborted) statuses.set(site.id, { ...current, ...change });
  };
  const query = healthServiceQuery(http, service, datacenter, settings.waitMs);
  return blockingLoop({
    // The verdicts are both the dedupe key's content and what routing acts on.
    query: async (index, querySignal) => {
      const answer = await query(index, querySignal);
      return { ...answer, body: instanceVerdicts(answer.body) };
    },
    onChange: (verdicts) => {
      if (signal.aborted) return;
      const passing = verdicts.filter((v) => v.up).map((v) => v.backend);
      update({ passing: passing.length, instances: verdicts.length });
      state.setDiscovered(site.id, passing);
    },
    onAnswer: (answer) =>
      update({
        lastAnswerAtMs: now(),
        consecutiveErrors: 0,
        lastError: undefined,
        ...(answer.lastContactMs !== undefined && { lastContactMs: answer.lastContactMs }),
        ...(answer.knownLeader !== undefined && { knownLeader: answer.knownLeader }),
      }),
    onError: (error, failures) =>
      update({ consecutiveErrors: failures, lastError: (error as Error)?.message }),
    recovery: {
      probe: (probeSignal) => datacenterAnswers(http, datacenter, probeSignal),
      intervalMs: settings.recoveryProbeMs,
    },
    signal,
  });
}
