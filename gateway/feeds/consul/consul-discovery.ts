/**
 * Discovery from Consul: for every site whose catalogue entry names a Consul service, a
 * blocking query on `/v1/health/service/<service>?dc=<datacenter>&stale` keeps the site's
 * backends to the instances whose every check passes (a critical check or node/service
 * maintenance takes an instance out as soon as Consul's index moves). A failed query changes
 * nothing: routing goes on with the last answer, and the staleness is reported.
 * Fetch (health/consul) → pure transform (instanceVerdicts) → publish (RoutingState).
 */
import type Consul from "consul";
import { blockingLoop } from "../../../health/consul/blocking-loop.ts";
import { healthServiceQuery } from "../../../health/consul/consul-queries.ts";
import { instanceVerdicts } from "../../../health/consul/service-health.ts";
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
  readonly passing: number;
  readonly instances: number;
}

export interface Discovery {
  status(): readonly DiscoveryStatus[];
  stop(): Promise<void>;
}

export function consulDiscovery(
  consul: Consul,
  state: RoutingState,
  waitMs: number,
  now: () => number,
): Discovery {
  const controller = new AbortController();
  const statuses = new Map<string, DiscoveryStatus>();
  const loops: Promise<void>[] = [];
  for (const site of state.inputs.catalogue.sites) {
    if (!site.consul) continue;
    const { service, datacenter } = site.consul;
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
      if (current) statuses.set(site.id, { ...current, ...change });
    };
    const query = healthServiceQuery(consul, service, datacenter, waitMs);
    loops.push(
      blockingLoop({
        // The verdicts are both the dedupe key's content and what routing acts on.
        query: async (index, signal) => {
          const answer = await query(index, signal);
          return { ...answer, body: instanceVerdicts(answer.body) };
        },
        onChange: (verdicts) => {
          const passing = verdicts.filter((v) => v.up).map((v) => v.backend);
          update({ passing: passing.length, instances: verdicts.length });
          state.setDiscovered(site.id, passing);
        },
        onAnswer: (answer) =>
          update({
            lastAnswerAtMs: now(),
            consecutiveErrors: 0,
            ...(answer.lastContactMs !== undefined && { lastContactMs: answer.lastContactMs }),
            ...(answer.knownLeader !== undefined && { knownLeader: answer.knownLeader }),
          }),
        onError: (_error, failures) => update({ consecutiveErrors: failures }),
        signal: controller.signal,
      }),
    );
  }
  return {
    status: () => [...statuses.values()],
    stop: async () => {
      controller.abort();
      await Promise.all(loops);
    },
  };
}
