/**
 * decide(snapshot, facts, random): the routing decision for one request. Pure: it reads no
 * clock and does no I/O; the same snapshot, facts and random numbers give the same answer.
 *
 * A plan depends only on the service, the ingress, and which residency rule and geo pin the
 * client matches (plus the client's coordinates for direct answers), so it is memoised in
 * the snapshot under that key; per request there remain the rule and pin match, one map
 * look-up and one weighted draw.
 */
import { type ClientLocation, mostSpecific } from "./client.ts";
import { type Candidate, computePlan, type Plan, type PlanRequest } from "./plan.ts";
import type { BlockCode } from "./reason.ts";
import { matchService } from "./service-router.ts";
import type { ServiceTables } from "./service-tables.ts";
import type { ServiceView } from "./service-view.ts";
import type { Snapshot } from "./snapshot.ts";

export interface RequestFacts {
  /** Id of the site whose gateway received the request. */
  readonly ingress: string;
  readonly host: string;
  readonly path: string;
  readonly client: ClientLocation;
  /** Rank by the client's own distance to each site (DNS answers, redirects); default false. */
  readonly direct?: boolean;
}

export interface Decision {
  readonly plan: Plan;
  /** Index in plan.candidates drawn by weight: the site to try first; -1 when blocked. */
  readonly first: number;
  readonly blocked?: BlockCode;
}

/** A random source: returns a number in [0, 1). */
export type Random = () => number;

/** Beyond this many memoised plans the memo starts again (a memory bound, not a tuning knob). */
export const PLAN_MEMO_LIMIT = 50_000;

const UNKNOWN_HOST: Plan = Object.freeze({
  service: "",
  ingress: "",
  candidates: Object.freeze([]),
  cumulative: Object.freeze([]),
  panic: false,
  usablePercent: 0,
  excluded: Object.freeze([]),
  blocked: "unknown_host",
});

export function decide(snapshot: Snapshot, facts: RequestFacts, random: Random): Decision {
  return decided(planFor(snapshot, facts), random);
}

/**
 * The decision for a known service rather than a request (a DNS answer names a service, not a
 * Host and path): the same plan and the same draw as decide().
 */
export function decideForService(
  snapshot: Snapshot,
  service: ServiceView,
  facts: Pick<RequestFacts, "ingress" | "client" | "direct">,
  random: Random,
): Decision {
  return decided(planForService(snapshot, service, facts), random);
}

function decided(plan: Plan, random: Random): Decision {
  if (plan.blocked) return { plan, first: -1, blocked: plan.blocked };
  return { plan, first: draw(plan.cumulative, random()) };
}

interface Match {
  readonly rule: number;
  readonly pin: number;
}

const matchClient = (tables: ServiceTables, client: ClientLocation): Match => ({
  rule: mostSpecific(tables.tuning.residency, client),
  pin: mostSpecific(tables.tuning.pins, client),
});

export function planFor(snapshot: Snapshot, facts: RequestFacts): Plan {
  const service = matchService(snapshot.router, facts.host, facts.path);
  if (!service) return { ...UNKNOWN_HOST, ingress: facts.ingress };
  return planForService(snapshot, service, facts);
}

/** The plan of a known service (reports and gauges ask by service, not by Host). */
export function planForService(
  snapshot: Snapshot,
  service: ServiceView,
  facts: Pick<RequestFacts, "ingress" | "client" | "direct">,
): Plan {
  const ingress = snapshot.siteIndex.get(facts.ingress);
  if (ingress === undefined) throw new RangeError(`unknown ingress site "${facts.ingress}"`);
  const { client } = facts;
  const direct =
    facts.direct === true && client.latitude !== undefined && client.longitude !== undefined;
  const own = matchClient(service.tables, client);
  const routed = service.routeAs && matchClient(service.routeAs, client);
  const key =
    direct || routed
      ? `${service.index}|${ingress}|${own.rule}|${own.pin}|${routed?.rule}|${routed?.pin}|${direct ? `${client.latitude},${client.longitude}` : ""}`
      : numericKey(snapshot, service.index, ingress, own, service.tables);
  const memo = snapshot.plans as Map<number | string, Plan>;
  const known = memo.get(key);
  if (known) return known;
  const plan = Object.freeze(
    servicePlan(snapshot, service, { ingress, client, direct }, own, routed),
  );
  if (memo.size >= PLAN_MEMO_LIMIT) memo.clear();
  memo.set(key, plan);
  return plan;
}

/**
 * A memo miss: the plan that routes, and for a dry-run service what its own policy would do.
 * Apart from planForService so that a memo hit makes no closure.
 */
function servicePlan(
  snapshot: Snapshot,
  service: ServiceView,
  at: Pick<PlanRequest, "ingress" | "client" | "direct">,
  own: Match,
  routed: Match | undefined,
): Plan {
  const request = (tables: ServiceTables, match: Match): PlanRequest => ({
    service: service.name,
    tables,
    ...at,
    rule: tables.residency[match.rule],
    pin: tables.pins[match.pin],
  });
  const plan = computePlan(snapshot, request(service.tables, own));
  if (!service.routeAs || !routed) return plan;
  return { ...computePlan(snapshot, request(service.routeAs, routed)), dryRun: plan };
}

/**
 * A mixed-radix number over (ingress, rule + 1, pin + 1) with the service as its lowest digit:
 * distinct for distinct keys. The rule and pin radices are the service's own (a service may
 * have its own residency rules and pins), so only the service digit, whose radix every service
 * shares, may sit below them; as the highest digit two services' keys could meet.
 */
function numericKey(
  snapshot: Snapshot,
  service: number,
  ingress: number,
  match: Match,
  tables: ServiceTables,
): number {
  const rules = tables.residency.length + 1;
  const pins = tables.pins.length + 1;
  const withinService = (ingress * rules + match.rule + 1) * pins + match.pin + 1;
  return withinService * snapshot.services.length + service;
}

/** Index of the first running sum above r (binary search; sums end at exactly 1). */
function draw(cumulative: readonly number[], r: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cumulative[mid] ?? 1) > r) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Candidates in the order to try them: the drawn one, then the rest as ranked. */
export function tryOrder(decision: Decision): readonly Candidate[] {
  const { candidates } = decision.plan;
  // The common case, the top candidate drawn, needs no new list.
  if (decision.first <= 0) return candidates;
  const first = candidates[decision.first] as Candidate;
  return [first, ...candidates.filter((_, i) => i !== decision.first)];
}
