/**
 * What-if: the load a traffic mix puts on every site under one snapshot, by the data plane's
 * own decision. Each mix row is matched to its service and routed with `planForService`
 * (decide.ts) from the ingress anycast delivers it to (anycast-ingress.ts); rows are summed
 * per plan and client group, and only then spread over each plan's candidates by weight. A
 * plan depends only on (service, ingress, residency rule, geo pin), so a million rows make a
 * few hundred plans: the per-row work is two look-ups and two additions. The figures are
 * expectations: a site's requests/s is the sum over rows of rps × the site's weight.
 *
 * Pure and bounded: groups beyond `maxGroups` are counted as OTHER_GROUP; memos are capped.
 */
import { isAnnouncing, nearestAnnouncingSite } from "./anycast-ingress.ts";
import type { ClientLocation } from "./client.ts";
import { planForService } from "./decide.ts";
import type { Plan } from "./plan.ts";
import { matchService } from "./service-router.ts";
import type { ServiceView } from "./service-view.ts";
import { type Simulation, simulationOf } from "./simulation.ts";
import type { Snapshot } from "./snapshot.ts";

export interface MixRow {
  /** Who the row stands for in the report: a place, a region, a country, a label. */
  readonly group: string;
  readonly client: ClientLocation;
  readonly host: string;
  readonly path: string;
  /** Requests per second the row stands for; ≥ 0 and finite (others are ignored). */
  readonly rps: number;
  /** The site the row's traffic arrives at while that site announces; else anycast decides. */
  readonly ingress?: string;
}

export interface SimulateOptions {
  /** Mean time a request holds a slot at its site, ms: capacity (concurrent) → requests/s. */
  readonly serviceTimeMs: number;
  /** Distinct groups kept; later ones are summed as OTHER_GROUP. Default 10 000. */
  readonly maxGroups?: number;
  /** Ingress for rows of unknown location (no coordinates, no ingress of their own). */
  readonly defaultIngress?: string;
}

export const OTHER_GROUP = "(other groups)";
/** Beyond this many distinct client locations the ingress memo starts again. */
const INGRESS_MEMO_LIMIT = 100_000;

/** Rows routed by one plan, per group; the service and a client to audit residency with. */
export interface PlanLoad {
  readonly plan: Plan;
  readonly service: ServiceView;
  readonly client: ClientLocation;
  readonly byGroup: Map<string, number>;
}

/** Rows no plan routes: unknown host, or no ingress; per group. */
export interface Unrouted {
  readonly unknownHost: Map<string, number>;
  readonly noIngress: Map<string, number>;
}

export interface Simulator {
  add(row: MixRow): void;
  /**
   * The figures so far, every rate multiplied by `scale` (default 1): a mix read as counts
   * (an access log, weights) becomes requests/s once its total is known. Every figure is a
   * sum of row rates, so scaling after summing equals scaling each row.
   */
  result(scale?: number): Simulation;
}

export function createSimulator(snapshot: Snapshot, options: SimulateOptions): Simulator {
  return new PlanAggregate(snapshot, options);
}

/** A whole mix at once (tests, the admin API); the CLI streams rows into a Simulator. */
export function simulate(
  snapshot: Snapshot,
  rows: Iterable<MixRow>,
  options: SimulateOptions,
): Simulation {
  const simulator = createSimulator(snapshot, options);
  for (const row of rows) simulator.add(row);
  return simulator.result();
}

const addTo = (map: Map<string, number>, key: string, value: number) =>
  map.set(key, (map.get(key) ?? 0) + value);

class PlanAggregate implements Simulator {
  readonly #snapshot: Snapshot;
  readonly #options: SimulateOptions;
  readonly #maxGroups: number;
  readonly #groups = new Set<string>();
  readonly #ingressAt = new Map<ClientLocation, string | undefined>();
  readonly #loads = new Map<Plan, PlanLoad>();
  readonly #unrouted: Unrouted = { unknownHost: new Map(), noIngress: new Map() };
  #rows = 0;

  constructor(snapshot: Snapshot, options: SimulateOptions) {
    this.#snapshot = snapshot;
    this.#options = options;
    this.#maxGroups = options.maxGroups ?? 10_000;
  }

  add(row: MixRow): void {
    const { rps } = row;
    if (!(rps >= 0 && rps < Number.POSITIVE_INFINITY)) return;
    this.#rows++;
    const group = this.#groupOf(row.group);
    const ingress = this.#ingressOf(row);
    if (ingress === undefined) {
      addTo(this.#unrouted.noIngress, group, rps);
      return;
    }
    const service = matchService(this.#snapshot.router, row.host, row.path);
    if (!service) {
      addTo(this.#unrouted.unknownHost, group, rps);
      return;
    }
    const plan = planForService(this.#snapshot, service, { ingress, client: row.client });
    let load = this.#loads.get(plan);
    if (!load) {
      load = { plan, service, client: row.client, byGroup: new Map() };
      this.#loads.set(plan, load);
    }
    addTo(load.byGroup, group, rps);
  }

  result(scale = 1): Simulation {
    return simulationOf(this.#snapshot, {
      rows: this.#rows,
      scale,
      loads: [...this.#loads.values()],
      unrouted: this.#unrouted,
      serviceTimeMs: this.#options.serviceTimeMs,
      groupsCapped: this.#groups.size >= this.#maxGroups,
    });
  }

  #groupOf(group: string): string {
    if (this.#groups.has(group)) return group;
    if (this.#groups.size >= this.#maxGroups) return OTHER_GROUP;
    this.#groups.add(group);
    return group;
  }

  /** The row's own ingress while it announces; else anycast's; else the default, if it announces. */
  #ingressOf(row: MixRow): string | undefined {
    if (row.ingress !== undefined && this.#announces(row.ingress)) return row.ingress;
    const { latitude, longitude } = row.client;
    if (latitude === undefined || longitude === undefined) {
      const fallback = this.#options.defaultIngress;
      return fallback !== undefined && this.#announces(fallback) ? fallback : undefined;
    }
    // Rows located by one GeoIP answer share its (frozen) location object: the memo is keyed by it.
    const memo = this.#ingressAt;
    if (memo.has(row.client)) return memo.get(row.client);
    const ingress = nearestAnnouncingSite(this.#snapshot, row.client);
    if (memo.size >= INGRESS_MEMO_LIMIT) memo.clear();
    memo.set(row.client, ingress);
    return ingress;
  }

  #announces(id: string): boolean {
    const index = this.#snapshot.siteIndex.get(id);
    const site = index === undefined ? undefined : this.#snapshot.sites[index];
    return site !== undefined && isAnnouncing(site);
  }
}
