/**
 * A what-if run's figures, made from the rows summed per plan (simulate.ts): per site the
 * predicted requests/s against its capacity, the flows from client groups to sites by kind
 * (flow-kind.ts), what no site serves and why, and the residency audit (residency-audit.ts).
 * Pure; the work is per plan × group × candidate, never per row.
 *
 * Capacity: the catalogue gives concurrent requests; by Little's law a site of capacity C
 * whose requests take `serviceTimeMs` serves C × 1000 / serviceTimeMs requests/s. Its usable
 * part is that × its health fraction (0 when it may take no traffic). Utilisation is
 * requests/s over the usable part; null when nothing is usable.
 */

import { describeReason } from "./explain.ts";
import type { FlowKind } from "./flow-kind.ts";
import { flowParts } from "./flow-kind.ts";
import type { BlockCode } from "./reason.ts";
import { residencyBreaches } from "./residency-audit.ts";
import type { PlanLoad, Unrouted } from "./simulate.ts";
import type { SiteState, SiteView, Snapshot } from "./snapshot.ts";

export interface SiteLoad {
  readonly site: string;
  readonly name: string;
  readonly tier: "edge" | "hub";
  readonly state: SiteState;
  readonly health: number;
  /** Concurrent requests, from the catalogue. */
  readonly capacity: number;
  readonly capacityRps: number;
  readonly usableRps: number;
  readonly rps: number;
  /** rps / usableRps; null when no capacity is usable. */
  readonly utilisation: number | null;
  readonly overCapacity: boolean;
}

export interface Flow {
  readonly group: string;
  readonly service: string;
  readonly ingress: string;
  readonly site: string;
  readonly kind: FlowKind;
  readonly rps: number;
  /** The plans' reasons in words (distinct, at most MAX_REASONS). */
  readonly reasons: readonly string[];
}

export type UnservedCode = BlockCode | "no_ingress";

export interface Unserved {
  readonly group: string;
  readonly service: string;
  readonly code: UnservedCode;
  readonly rps: number;
}

export interface ResidencyViolation {
  readonly group: string;
  readonly service: string;
  readonly rule: string;
  readonly site: string;
  readonly jurisdiction: string;
  readonly rps: number;
}

export interface FailedOpen {
  readonly group: string;
  readonly service: string;
  readonly rule: string;
  readonly rps: number;
}

export interface Simulation {
  readonly rows: number;
  readonly rps: number;
  readonly servedRps: number;
  readonly panicRps: number;
  readonly sites: readonly SiteLoad[];
  readonly flows: readonly Flow[];
  readonly unserved: readonly Unserved[];
  readonly residencyViolations: readonly ResidencyViolation[];
  readonly residencyFailedOpen: readonly FailedOpen[];
  /** More groups than kept: the rest are summed as OTHER_GROUP. */
  readonly groupsCapped: boolean;
}

export interface Aggregate {
  readonly rows: number;
  /** Every summed rate is multiplied by this (see Simulator.result). */
  readonly scale: number;
  readonly loads: readonly PlanLoad[];
  readonly unrouted: Unrouted;
  readonly serviceTimeMs: number;
  readonly groupsCapped: boolean;
}

const MAX_REASONS = 3;
const SEP = "\u0000";

/** Sums keyed by a joined string, keeping the first value's fields. */
class Tally<T extends { rps: number }> {
  readonly #byKey = new Map<string, T>();
  add(key: string, make: () => T, rps: number, also?: (entry: T) => void): void {
    const entry = this.#byKey.get(key) ?? make();
    entry.rps += rps;
    also?.(entry);
    this.#byKey.set(key, entry);
  }
  values(): T[] {
    return [...this.#byKey.values()];
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function simulationOf(snapshot: Snapshot, aggregate: Aggregate): Simulation {
  const siteRps = new Array<number>(snapshot.sites.length).fill(0);
  const flows = new Tally<Mutable<Flow> & { reasons: string[] }>();
  const unserved = new Tally<Mutable<Unserved>>();
  const violations = new Tally<Mutable<ResidencyViolation>>();
  const failedOpen = new Tally<Mutable<FailedOpen>>();
  let rps = 0;
  let panicRps = 0;
  for (const load of aggregate.loads) {
    const { plan } = load;
    const service = plan.service;
    const breaches = residencyBreaches(load.service, plan, load.client);
    for (const [group, summed] of load.byGroup) {
      const groupRps = summed * aggregate.scale;
      rps += groupRps;
      if (plan.panic) panicRps += groupRps;
      if (plan.blocked) {
        const code = plan.blocked;
        unserved.add(
          [group, service, code].join(SEP),
          () => ({ group, service, code, rps: 0 }),
          groupRps,
        );
        continue;
      }
      if (plan.residency?.failedOpen) {
        const rule = plan.residency.rule;
        failedOpen.add(
          [group, service, rule].join(SEP),
          () => ({ group, service, rule, rps: 0 }),
          groupRps,
        );
      }
      for (const b of breaches) {
        const make = () => ({
          group,
          service,
          rule: b.rule,
          site: b.site,
          jurisdiction: b.jurisdiction,
          rps: 0,
        });
        violations.add([group, service, b.rule, b.site].join(SEP), make, groupRps * b.weight);
      }
      for (const candidate of plan.candidates) {
        const site = candidate.site.id;
        for (const part of flowParts(candidate)) {
          const share = groupRps * part.weight;
          siteRps[candidate.site.index] = (siteRps[candidate.site.index] ?? 0) + share;
          const key = [group, service, plan.ingress, site, part.kind].join(SEP);
          const make = () => ({
            group,
            service,
            ingress: plan.ingress,
            site,
            kind: part.kind,
            rps: 0,
            reasons: [],
          });
          flows.add(key, make, share, (flow) =>
            addReasons(flow.reasons, part.reasons.map(describeReason)),
          );
        }
      }
    }
  }
  for (const [code, map] of [
    ["unknown_host", aggregate.unrouted.unknownHost],
    ["no_ingress", aggregate.unrouted.noIngress],
  ] as const) {
    for (const [group, summed] of map) {
      const groupRps = summed * aggregate.scale;
      rps += groupRps;
      unserved.add(
        [group, "", code].join(SEP),
        () => ({ group, service: "", code, rps: 0 }),
        groupRps,
      );
    }
  }
  const unservedList = unserved.values().sort(byRps);
  return {
    rows: aggregate.rows,
    rps,
    servedRps: rps - unservedList.reduce((sum, u) => sum + u.rps, 0),
    panicRps,
    sites: snapshot.sites.map((site) =>
      siteLoad(site, siteRps[site.index] ?? 0, aggregate.serviceTimeMs),
    ),
    flows: flows
      .values()
      .sort(
        (a, b) =>
          a.group.localeCompare(b.group) || a.service.localeCompare(b.service) || b.rps - a.rps,
      ),
    unserved: unservedList,
    residencyViolations: violations.values().sort(byRps),
    residencyFailedOpen: failedOpen.values().sort(byRps),
    groupsCapped: aggregate.groupsCapped,
  };
}

const byRps = (a: { rps: number }, b: { rps: number }) => b.rps - a.rps;

function addReasons(into: string[], reasons: readonly string[]): void {
  for (const reason of reasons) {
    if (into.length >= MAX_REASONS) return;
    if (!into.includes(reason)) into.push(reason);
  }
}

function siteLoad(site: SiteView, rps: number, serviceTimeMs: number): SiteLoad {
  const capacityRps = (site.config.capacity * 1000) / serviceTimeMs;
  const serving = site.state === "healthy" || site.state === "degraded";
  const usableRps = serving ? capacityRps * site.health : 0;
  return {
    site: site.id,
    name: site.config.name,
    tier: site.tier,
    state: site.state,
    health: site.health,
    capacity: site.config.capacity,
    capacityRps,
    usableRps,
    rps,
    utilisation: usableRps > 0 ? rps / usableRps : null,
    overCapacity: rps > usableRps * (1 + 1e-9),
  };
}
