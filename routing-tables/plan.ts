/**
 * The plan: for one service, ingress and client location, every candidate site with its
 * weight (summing to 1) and reasons. Pure; decide.ts memoises it per snapshot and samples it.
 *
 * Rules, in order: compromised sites are never candidates; residency filters every step;
 * panic (usable capacity below the threshold) spreads by capacity over every eligible site;
 * otherwise the primary (nearest by cost, first usable in a geo pin, or by weights) keeps
 * min(1, health × overprovisioning) × dials of its share and the rest spills (spill.ts).
 */
import { type ClientLocation, mostSpecific } from "./client.ts";
import type { GeoPin, ResidencyRule, Tuning } from "./policy-schema.ts";
import type { BlockCode, Exclusion, Reason } from "./reason.ts";
import { type SiteFigures, siteFigures } from "./site-availability.ts";
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
  /** Running sum of the weighted candidates' weights, for sampling. */
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
  /** For a `dryRun` service: what its own policy would have done (the plan above routes). */
  readonly dryRun?: Plan;
}

export interface PlanRequest {
  readonly service: string;
  readonly tuning: Tuning;
  readonly ingress: number;
  readonly client: ClientLocation;
  /** Cost from the client's own location (DNS answers, redirects) instead of from the ingress. */
  readonly direct: boolean;
}

export function computePlan(snapshot: Snapshot, request: PlanRequest): Plan {
  const rule = mostSpecific(request.tuning.residency, request.client);
  const plan = planWithin(snapshot, request, rule);
  if (plan.blocked && rule?.mode === "fail-open") {
    return {
      ...planWithin(snapshot, request, undefined),
      residency: { rule: rule.name, mode: rule.mode, failedOpen: true },
    };
  }
  return rule
    ? { ...plan, residency: { rule: rule.name, mode: rule.mode, failedOpen: false } }
    : plan;
}

function planWithin(
  snapshot: Snapshot,
  request: PlanRequest,
  rule: ResidencyRule | undefined,
): Plan {
  const { tuning } = request;
  const figures = siteFigures(
    snapshot,
    tuning,
    request.ingress,
    request.client,
    request.direct,
    rule,
  );
  const pin = mostSpecific(tuning.pins, request.client);
  const order = preferenceOrder(snapshot, figures, pin);
  const base = {
    service: request.service,
    ingress: snapshot.sites[request.ingress]?.id ?? "",
    usablePercent: figures.usablePercent,
    excluded: figures.excluded,
    ...(pin && { pin: pin.sites }),
  };
  const blockCode: BlockCode = rule ? "residency_blocked" : "no_usable_site";
  if (figures.eligible.length === 0)
    return { ...base, ...emptyRanking(), panic: false, blocked: blockCode };
  if (figures.usablePercent < tuning.panicThresholdPercent) {
    return { ...base, ...panicRanking(snapshot, figures, order), panic: true };
  }
  if (!order.some((i) => (figures.availability[i] ?? 0) > 0)) {
    return { ...base, ...emptyRanking(), panic: false, blocked: blockCode };
  }
  const explicitHubs = hubIndices(
    snapshot,
    pin?.sites.some((id) => isHub(snapshot, id)) ? pin.sites : tuning.hubOrder,
  );
  const ranking = shareRanking(snapshot, figures, tuning, order, explicitHubs, pin?.sites ?? []);
  return { ...base, ...ranking, panic: false };
}

const isHub = (snapshot: Snapshot, id: string) =>
  snapshot.sites[snapshot.siteIndex.get(id) ?? -1]?.tier === "hub";

function hubIndices(snapshot: Snapshot, ids: readonly string[]): number[] {
  return ids.filter((id) => isHub(snapshot, id)).map((id) => snapshot.siteIndex.get(id) as number);
}

/** Pinned sites first in the pin's order, then every other eligible site by cost. */
function preferenceOrder(
  snapshot: Snapshot,
  figures: SiteFigures,
  pin: GeoPin | undefined,
): number[] {
  const byCost = [...figures.eligible].sort(
    (a, b) => (figures.costMs[a] ?? 0) - (figures.costMs[b] ?? 0) || a - b,
  );
  if (!pin) return byCost;
  const eligible = new Set(figures.eligible);
  const pinned = pin.sites
    .map((id) => snapshot.siteIndex.get(id) ?? -1)
    .filter((i) => eligible.has(i));
  return [...new Set([...pinned, ...byCost])];
}

interface Ranking {
  readonly candidates: readonly Candidate[];
  readonly cumulative: readonly number[];
}

const emptyRanking = (): Ranking => ({ candidates: [], cumulative: [] });

function panicRanking(snapshot: Snapshot, figures: SiteFigures, order: readonly number[]): Ranking {
  const capacity = order.reduce((sum, i) => sum + (snapshot.sites[i]?.config.capacity ?? 0), 0);
  const weights = new Map<number, number>();
  const reasons = new Map<number, Reason[]>();
  for (const i of order) {
    const share = (snapshot.sites[i]?.config.capacity ?? 0) / capacity;
    weights.set(i, share);
    reasons.set(i, [{ code: "panic", capacityShare: share }]);
  }
  return rank(snapshot, figures, order, weights, reasons);
}

function shareRanking(
  snapshot: Snapshot,
  figures: SiteFigures,
  tuning: Tuning,
  order: readonly number[],
  explicitHubs: readonly number[],
  pinned: readonly string[],
): Ranking {
  const weights = new Map<number, number>();
  const reasons = new Map<number, Reason[]>();
  const add = (site: number, share: number, reason: Reason) => {
    weights.set(site, (weights.get(site) ?? 0) + share);
    const list = reasons.get(site);
    if (list) list.push(reason);
    else reasons.set(site, [reason]);
  };
  for (const [primary, share, why] of primaries(snapshot, figures, tuning, order, pinned)) {
    const kept = share * (figures.availability[primary] ?? 0);
    add(primary, kept, why);
    if (kept < share) add(primary, 0, { code: "keeps-share", kept, of: share });
    const spill = share - kept;
    if (spill <= 0) continue;
    const targets = spillTargets(
      snapshot,
      figures,
      primary,
      order,
      explicitHubs,
      tuning.spill.proximityScaleMs,
    );
    if (targets.length === 0) add(primary, spill, { code: "spill-kept", share: spill });
    const from = snapshot.sites[primary]?.id ?? "";
    for (const t of targets)
      add(t.site, spill * t.share, { code: "spill", from, share: spill * t.share });
  }
  return rank(snapshot, figures, order, weights, reasons);
}

/** The sites that get a share before spill: [site, share, reason]. */
function primaries(
  snapshot: Snapshot,
  figures: SiteFigures,
  tuning: Tuning,
  order: readonly number[],
  pinned: readonly string[],
): [number, number, Reason][] {
  const usable = order.filter((i) => (figures.availability[i] ?? 0) > 0);
  if (tuning.steering === "weighted") {
    const weighted = usable.filter((i) => (tuning.weights[snapshot.sites[i]?.id ?? ""] ?? 0) > 0);
    const total = weighted.reduce(
      (sum, i) => sum + (tuning.weights[snapshot.sites[i]?.id ?? ""] ?? 0),
      0,
    );
    if (total > 0) {
      return weighted.map((i) => {
        const weight = tuning.weights[snapshot.sites[i]?.id ?? ""] ?? 0;
        return [i, weight / total, { code: "weighted", weight }];
      });
    }
  }
  const first = usable[0] as number;
  const costMs = figures.costMs[first] ?? 0;
  const rank = order.indexOf(first) + 1;
  const position = pinned.indexOf(snapshot.sites[first]?.id ?? "");
  if (position >= 0) return [[first, 1, { code: "pinned", position: position + 1 }]];
  const why: Reason =
    tuning.steering === "latency"
      ? { code: "lowest-latency", rank, costMs }
      : { code: "nearest", rank, costMs };
  return [[first, 1, why]];
}

/** Weighted sites by weight (ties by preference), then usable fallbacks by preference. */
function rank(
  snapshot: Snapshot,
  figures: SiteFigures,
  order: readonly number[],
  weights: ReadonlyMap<number, number>,
  reasons: ReadonlyMap<number, Reason[]>,
): Ranking {
  const total = [...weights.values()].reduce((a, b) => a + b, 0);
  const position = new Map(order.map((site, k) => [site, k]));
  const weighted = [...weights.keys()]
    .filter((i) => (weights.get(i) ?? 0) > 0)
    .sort(
      (a, b) =>
        (weights.get(b) ?? 0) - (weights.get(a) ?? 0) ||
        (position.get(a) ?? 0) - (position.get(b) ?? 0),
    );
  const fallbacks = order.filter(
    (i) => !weighted.includes(i) && (figures.availability[i] ?? 0) > 0,
  );
  const candidates: Candidate[] = [];
  const cumulative: number[] = [];
  let sum = 0;
  for (const i of weighted) {
    const weight = (weights.get(i) ?? 0) / total;
    sum += weight;
    cumulative.push(sum);
    candidates.push(candidate(snapshot, figures, i, weight, reasons.get(i) ?? []));
  }
  if (cumulative.length > 0) cumulative[cumulative.length - 1] = 1;
  for (const i of fallbacks) {
    candidates.push(
      candidate(snapshot, figures, i, 0, [{ code: "fallback", costMs: figures.costMs[i] ?? 0 }]),
    );
  }
  return { candidates: Object.freeze(candidates), cumulative: Object.freeze(cumulative) };
}

function candidate(
  snapshot: Snapshot,
  figures: SiteFigures,
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
