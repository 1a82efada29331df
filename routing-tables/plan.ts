/**
 * The plan: for one service, ingress, residency rule and geo pin, every candidate site with
 * its weight (summing to 1) and reasons. Pure; decide.ts memoises it per snapshot and draws.
 *
 * Rules, in order: compromised sites are never candidates; residency filters every step;
 * panic (usable capacity below the threshold) spreads by capacity over every eligible site;
 * otherwise the primary (first usable in the geo pin, else nearest by cost, or the policy's
 * weights) keeps min(1, health × overprovisioning) × dials of its share, and the rest spills
 * (spill.ts). A fail-open rule with nothing usable is dropped and the plan made again.
 */
import type { ClientLocation } from "./client.ts";
import { type PlanFigures, planFigures } from "./plan-figures.ts";
import type {
  HstsPolicy,
  PassiveHealthPolicy,
  ResidencyRule,
  RetryPolicy,
} from "./policy-schema.ts";
import type { BlockCode, Exclusion, Reason } from "./reason.ts";
import type { ResolvedPin, ResolvedRule, ServiceTables } from "./service-tables.ts";
import type { SiteView, Snapshot } from "./snapshot.ts";
import { spillTargets } from "./spill.ts";

export interface Candidate {
  readonly site: SiteView;
  /** Share of requests, 0..1; 0 means a fallback for retries only. */
  readonly weight: number;
  readonly costMs: number;
  readonly reasons: readonly Reason[];
}

export interface Plan {
  readonly service: string;
  readonly ingress: string;
  /** Weighted candidates by weight (highest first), then fallbacks by preference. */
  readonly candidates: readonly Candidate[];
  /** Running sum of the weighted candidates' weights, for the draw; ends at exactly 1. */
  readonly cumulative: readonly number[];
  readonly panic: boolean;
  readonly usablePercent: number;
  readonly residency?: {
    readonly rule: string;
    readonly mode: ResidencyRule["mode"];
    readonly failedOpen: boolean;
  };
  readonly pin?: readonly string[];
  readonly excluded: readonly Exclusion[];
  readonly blocked?: BlockCode;
  /** For a `dryRun` service: what its own policy would do (the plan above is what routes). */
  readonly dryRun?: Plan;
  /** The service's retry policy, for the data plane. */
  readonly retry?: RetryPolicy;
  /** Which of the service's upstream answers count against a site's health, for the data plane. */
  readonly passiveHealth?: PassiveHealthPolicy;
  /** The Strict-Transport-Security value for answers over HTTPS, when the service sends it. */
  readonly hsts?: string;
  /** Set when the service refuses requests without a verified client certificate. */
  readonly clientCertificate?: "required";
}

export interface PlanRequest {
  readonly service: string;
  readonly tables: ServiceTables;
  readonly ingress: number;
  readonly client: ClientLocation;
  /** Cost from the client's own location (DNS answers, redirects) instead of from the ingress. */
  readonly direct: boolean;
  readonly rule: ResolvedRule | undefined;
  readonly pin: ResolvedPin | undefined;
}

export function computePlan(snapshot: Snapshot, request: PlanRequest): Plan {
  const { rule } = request;
  if (!rule) return planWithin(snapshot, request, undefined, undefined);
  const { name, mode } = rule.rule;
  const plan = planWithin(snapshot, request, rule, { rule: name, mode, failedOpen: false });
  if (!plan.blocked || mode !== "fail-open") return plan;
  return planWithin(snapshot, request, undefined, { rule: name, mode, failedOpen: true });
}

function planWithin(
  snapshot: Snapshot,
  request: PlanRequest,
  rule: ResolvedRule | undefined,
  residency: Plan["residency"],
): Plan {
  const { tables, pin } = request;
  const figures = planFigures(
    snapshot,
    tables,
    request.ingress,
    request.client,
    request.direct,
    rule,
  );
  const order = preferenceOrder(figures, pin);
  const usable = order.some((i) => (figures.availability[i] ?? 0) > 0);
  const panic = order.length > 0 && figures.usablePercent < tables.tuning.panicThresholdPercent;
  const ranking = panic
    ? panicRanking(snapshot, figures, order)
    : usable
      ? shareRanking(snapshot, figures, tables, order, pin)
      : EMPTY;
  return Object.freeze({
    service: request.service,
    ingress: snapshot.sites[request.ingress]?.id ?? "",
    candidates: ranking.candidates,
    cumulative: ranking.cumulative,
    panic,
    usablePercent: figures.usablePercent,
    excluded: Object.freeze(figures.excluded),
    retry: tables.tuning.retry,
    passiveHealth: tables.tuning.passiveHealth,
    ...(tables.tuning.hsts.enabled && { hsts: hstsValue(tables.tuning.hsts) }),
    ...(tables.tuning.clientCertificate === "required" && { clientCertificate: "required" }),
    ...(residency && { residency }),
    ...(pin && { pin: pin.pin.sites }),
    ...(ranking === EMPTY && { blocked: rule ? "residency_blocked" : "no_usable_site" }),
  });
}

/** The Strict-Transport-Security header value (RFC 6797 §6.1). */
export function hstsValue(hsts: HstsPolicy): string {
  let value = `max-age=${hsts.maxAgeSeconds}`;
  if (hsts.includeSubDomains) value += "; includeSubDomains";
  if (hsts.preload) value += "; preload";
  return value;
}

/** Pinned eligible sites first in the pin's order, then every other eligible site by cost. */
function preferenceOrder(figures: PlanFigures, pin: ResolvedPin | undefined): number[] {
  const cost = figures.costMs;
  const byCost = [...figures.eligible].sort((a, b) => (cost[a] ?? 0) - (cost[b] ?? 0) || a - b);
  if (!pin) return byCost;
  const eligible = new Set(figures.eligible);
  const pinned = pin.sites.filter((i) => eligible.has(i));
  return [...new Set([...pinned, ...byCost])];
}

interface Ranking {
  readonly candidates: readonly Candidate[];
  readonly cumulative: readonly number[];
}

const FALLBACK: readonly Reason[] = Object.freeze([Object.freeze({ code: "fallback" as const })]);

const EMPTY: Ranking = Object.freeze({
  candidates: Object.freeze([]),
  cumulative: Object.freeze([]),
});

/** Weights and reasons per site index, filled by the rankings below. */
class Shares {
  readonly weight: number[];
  readonly reasons: (Reason[] | undefined)[];
  constructor(n: number) {
    this.weight = new Array<number>(n).fill(0);
    this.reasons = new Array<Reason[] | undefined>(n);
  }
  add(site: number, share: number, reason: Reason): void {
    this.weight[site] = (this.weight[site] ?? 0) + share;
    const list = this.reasons[site];
    if (list) list.push(reason);
    else this.reasons[site] = [reason];
  }
}

function panicRanking(snapshot: Snapshot, figures: PlanFigures, order: readonly number[]): Ranking {
  const capacityOf = (i: number) => snapshot.sites[i]?.config.capacity ?? 0;
  const capacity = order.reduce((sum, i) => sum + capacityOf(i), 0);
  const shares = new Shares(snapshot.sites.length);
  for (const i of order)
    shares.add(i, capacityOf(i) / capacity, {
      code: "panic",
      capacityShare: capacityOf(i) / capacity,
    });
  return rank(snapshot, figures, order, shares);
}

function shareRanking(
  snapshot: Snapshot,
  figures: PlanFigures,
  tables: ServiceTables,
  order: readonly number[],
  pin: ResolvedPin | undefined,
): Ranking {
  const shares = new Shares(snapshot.sites.length);
  const explicitHubs = pin && pin.hubs.length > 0 ? pin.hubs : tables.hubOrder;
  const scale = tables.tuning.spill.proximityScaleMs;
  for (const [primary, share, why] of primaries(figures, tables, order, pin)) {
    const kept = share * (figures.availability[primary] ?? 0);
    shares.add(primary, kept, why);
    if (kept >= share) continue;
    shares.add(primary, 0, { code: "keeps-share", kept, of: share });
    const spill = share - kept;
    const targets = spillTargets(snapshot, figures, primary, order, explicitHubs, scale);
    if (targets.length === 0) shares.add(primary, spill, { code: "spill-kept", share: spill });
    const from = snapshot.sites[primary]?.id ?? "";
    for (const t of targets)
      shares.add(t.site, spill * t.share, { code: "spill", from, share: spill * t.share });
  }
  return rank(snapshot, figures, order, shares);
}

/** The sites that get a share before spill: [site, share, reason]. */
function primaries(
  figures: PlanFigures,
  tables: ServiceTables,
  order: readonly number[],
  pin: ResolvedPin | undefined,
): [number, number, Reason][] {
  const usable = order.filter((i) => (figures.availability[i] ?? 0) > 0);
  if (tables.tuning.steering === "weighted") {
    const weighted = usable.filter((i) => (tables.weight[i] ?? 0) > 0);
    const total = weighted.reduce((sum, i) => sum + (tables.weight[i] ?? 0), 0);
    if (total > 0) {
      return weighted.map((i) => [
        i,
        (tables.weight[i] ?? 0) / total,
        { code: "weighted", weight: tables.weight[i] ?? 0 },
      ]);
    }
  }
  const first = usable[0] as number;
  const position = pin ? pin.sites.indexOf(first) : -1;
  if (position >= 0) return [[first, 1, { code: "pinned", position: position + 1 }]];
  const rank = order.indexOf(first) + 1;
  const costMs = figures.costMs[first] ?? 0;
  const code = tables.tuning.steering === "latency" ? "lowest-latency" : "nearest";
  return [[first, 1, { code, rank, costMs }]];
}

/** Weighted sites by weight (ties keep preference order), then usable fallbacks by preference. */
function rank(
  snapshot: Snapshot,
  figures: PlanFigures,
  order: readonly number[],
  shares: Shares,
): Ranking {
  const { weight } = shares;
  const total = order.reduce((sum, i) => sum + (weight[i] ?? 0), 0);
  const weighted = order
    .filter((i) => (weight[i] ?? 0) > 0)
    .sort((a, b) => (weight[b] ?? 0) - (weight[a] ?? 0));
  const candidates: Candidate[] = [];
  const cumulative: number[] = [];
  let sum = 0;
  for (const i of weighted) {
    const share = (weight[i] ?? 0) / total;
    sum += share;
    cumulative.push(Math.min(1, sum)); // rounding must not push a running sum past 1
    candidates.push(candidate(snapshot, figures, i, share, shares.reasons[i] ?? []));
  }
  if (cumulative.length > 0) cumulative[cumulative.length - 1] = 1;
  for (const i of order) {
    if ((weight[i] ?? 0) > 0 || (figures.availability[i] ?? 0) <= 0) continue;
    candidates.push(candidate(snapshot, figures, i, 0, FALLBACK));
  }
  return { candidates: Object.freeze(candidates), cumulative: Object.freeze(cumulative) };
}

function candidate(
  snapshot: Snapshot,
  figures: PlanFigures,
  i: number,
  weight: number,
  reasons: readonly Reason[],
): Candidate {
  return Object.freeze({
    site: snapshot.sites[i] as SiteView,
    weight,
    costMs: figures.costMs[i] ?? 0,
    reasons: Object.freeze(reasons),
  });
}
