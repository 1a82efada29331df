/**
 * A what-if run's figures, made from the rows summed per plan (simulate.ts): per site the
 * predicted requests/s against its capacity, the flows from client groups to sites by kind
 * (flow-kind.ts), what no site serves and why, and the residency audit (residency-audit.ts).
 * Pure; the work is per plan × group × candidate, never per row.
 *
 * Capacity: the catalogue gives concurrent requests; by Little's law a site of capacity C
 * whose requests take `serviceTimeMs` serves C × 1000 / serviceTimeMs requests/s. Its usable
 * part is that × its health fraction (0 when it takes no traffic: down, draining,
 * compromised — the sites that do not announce). Utilisation is
 * requests/s over the usable part; null when nothing is usable.
 */

import { isAnnouncing } from "./anycast-ingress.ts";
import { describeReason } from "./explain.ts";
import { type FlowKind, flowParts } from "./flow-kind.ts";
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
  /** Adds `rps` under `key`; `make` builds the entry the first time it is seen. */
  add(key: string, rps: number, make: () => T): T {
    let entry = this.#byKey.get(key);
    if (!entry) {
      entry = make();
      this.#byKey.set(key, entry);
    }
    entry.rps += rps;
    return entry;
  }
  values(): T[] {
    return [...this.#byKey.values()];
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A plan's weighted candidates split by kind, with their reasons in words: once per plan. */
interface PlanPart {
  readonly siteIndex: number;
  readonly site: string;
  readonly kind: FlowKind;
  readonly weight: number;
  readonly reasons: readonly string[];
}

function planParts(plan: PlanLoad["plan"]): PlanPart[] {
  return plan.candidates.flatMap((c) =>
    flowParts(c).map((part) => ({
      siteIndex: c.site.index,
      site: c.site.id,
      kind: part.kind,
      weight: part.weight,
      reasons: part.reasons.map(describeReason),
    })),
  );
}

class Figures {
  readonly siteRps: number[];
  readonly flows = new Tally<Mutable<Flow> & { reasons: string[] }>();
  readonly unserved = new Tally<Mutable<Unserved>>();
  readonly violations = new Tally<Mutable<ResidencyViolation>>();
  readonly failedOpen = new Tally<Mutable<FailedOpen>>();
  rps = 0;
  panicRps = 0;
  constructor(sites: number) {
    this.siteRps = new Array<number>(sites).fill(0);
  }

  addUnserved(group: string, service: string, code: UnservedCode, rps: number): void {
    this.unserved.add(group + SEP + service + SEP + code, rps, () => ({
      group,
      service,
      code,
      rps: 0,
    }));
  }

  /** Every group's rows routed by one plan. */
  addLoad(load: PlanLoad, scale: number): void {
    const { plan } = load;
    const service = plan.service;
    const parts = plan.blocked ? [] : planParts(plan);
    const breaches = residencyBreaches(load.service, plan, load.client);
    const failedOpen = plan.residency?.failedOpen ? plan.residency.rule : undefined;
    for (const [group, summed] of load.byGroup) {
      const rps = summed * scale;
      this.rps += rps;
      if (plan.panic) this.panicRps += rps;
      if (plan.blocked) this.addUnserved(group, service, plan.blocked, rps);
      if (failedOpen !== undefined)
        this.failedOpen.add(group + SEP + service + SEP + failedOpen, rps, () => ({
          group,
          service,
          rule: failedOpen,
          rps: 0,
        }));
      for (const b of breaches)
        this.violations.add([group, service, b.rule, b.site].join(SEP), rps * b.weight, () => ({
          group,
          service,
          rule: b.rule,
          site: b.site,
          jurisdiction: b.jurisdiction,
          rps: 0,
        }));
      for (const part of parts) this.#addFlow(group, service, plan.ingress, part, rps);
    }
  }

  #addFlow(
    group: string,
    service: string,
    ingress: string,
    part: PlanPart,
    groupRps: number,
  ): void {
    const rps = groupRps * part.weight;
    this.siteRps[part.siteIndex] = (this.siteRps[part.siteIndex] ?? 0) + rps;
    const key = group + SEP + service + SEP + ingress + SEP + part.site + SEP + part.kind;
    const flow = this.flows.add(key, rps, () => ({
      group,
      service,
      ingress,
      site: part.site,
      kind: part.kind,
      rps: 0,
      reasons: [],
    }));
    if (flow.reasons.length < MAX_REASONS) addReasons(flow.reasons, part.reasons);
  }
}

export function simulationOf(snapshot: Snapshot, aggregate: Aggregate): Simulation {
  const figures = new Figures(snapshot.sites.length);
  for (const load of aggregate.loads) figures.addLoad(load, aggregate.scale);
  const { unknownHost, noIngress } = aggregate.unrouted;
  for (const [code, map] of [
    ["unknown_host", unknownHost],
    ["no_ingress", noIngress],
  ] as const) {
    for (const [group, summed] of map) {
      figures.rps += summed * aggregate.scale;
      figures.addUnserved(group, "", code, summed * aggregate.scale);
    }
  }
  const unserved = figures.unserved.values().sort(byRps);
  const byFlow = (a: Flow, b: Flow) =>
    compareText(a.group, b.group) || compareText(a.service, b.service) || b.rps - a.rps;
  return {
    rows: aggregate.rows,
    rps: figures.rps,
    servedRps: figures.rps - unserved.reduce((sum, u) => sum + u.rps, 0),
    panicRps: figures.panicRps,
    sites: snapshot.sites.map((site) =>
      siteLoad(site, figures.siteRps[site.index] ?? 0, aggregate.serviceTimeMs),
    ),
    flows: figures.flows.values().sort(byFlow),
    unserved,
    residencyViolations: figures.violations.values().sort(byRps),
    residencyFailedOpen: figures.failedOpen.values().sort(byRps),
    groupsCapped: aggregate.groupsCapped,
  };
}

const byRps = (a: { rps: number }, b: { rps: number }) => b.rps - a.rps;
/** Code-unit order: stable across locales, and far cheaper than localeCompare over 10⁵ flows. */
const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function addReasons(into: string[], reasons: readonly string[]): void {
  for (const reason of reasons) {
    if (into.length >= MAX_REASONS) return;
    if (!into.includes(reason)) into.push(reason);
  }
}

function siteLoad(site: SiteView, rps: number, serviceTimeMs: number): SiteLoad {
  const capacityRps = (site.config.capacity * 1000) / serviceTimeMs;
  const usableRps = isAnnouncing(site) ? capacityRps * site.health : 0;
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
