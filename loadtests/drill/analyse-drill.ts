/**
 * The drill's figures and goals, from its request samples and the ops as they happened (pure).
 *
 * Definitions (ms after the admin call for the event was sent):
 * - affected clients of a lost site: the regions it served in the 5 s before the event;
 * - last served by the lost site: the latest answer it gave after the event and before its
 *   revive or restore (none: null);
 * - rerouted: the end of the last affected request, scheduled before the next event, that failed
 *   or was served by the lost site (0 when none): from then on every request went elsewhere;
 * - settled: the end of the last affected request, scheduled before the next event, that failed,
 *   was served by the lost site, or by a site outside where those clients end up (sites serving
 *   ≥ 5 % of them in the last 2 s before the next event); 0 when there was none;
 * - back (revive/restore): the first answer from the site, and the end of the first 1 s bucket
 *   in which the site's share is back to 90 % of its baseline share (from `baselineFromMs`, the
 *   end of the warm-up, to the first event). The share is taken over the site's own clients
 *   (the regions whose `nearSite` it is), when it has any: a region with no site of its own
 *   may move between two sites about as near (Johannesburg between dar and znz, on probe
 *   noise), and that is not the site's traffic failing to come back.
 */

import { CLIENTS } from "../config/clients.ts";
import type { OpsRecord } from "../runner/run-workload.ts";
import { isFailed, type RequestSample } from "../runner/sample.ts";
import { type Bucket, bucketsOf, type CurvePoint, percentileCurve } from "./timeline.ts";

export interface PhaseOutcome {
  readonly label: string;
  readonly fromMs: number;
  readonly requests: number;
  readonly failedIdempotent: number;
  readonly failedOther: number;
}

export interface LossOutcome {
  readonly label: string;
  readonly site: string;
  readonly atMs: number;
  readonly affectedRegions: readonly string[];
  readonly lastServedByLostMs: number | null;
  readonly reroutedMs: number;
  /** The same over idempotent requests only (the ones the gateway may retry elsewhere). */
  readonly reroutedIdempotentMs: number;
  readonly settledMs: number;
  /** Answers from the site to requests sent after the admin confirmed the mark (compromise). */
  readonly servedAfterMark: number | null;
}

export interface ReturnOutcome {
  readonly label: string;
  readonly site: string;
  readonly atMs: number;
  readonly baselineShare: number;
  readonly firstBackMs: number | null;
  readonly shareBackMs: number | null;
}

export interface Goal {
  readonly goal: string;
  readonly observed: string;
  readonly met: boolean;
}

export interface DrillAnalysis {
  readonly requests: number;
  readonly failedIdempotent: number;
  readonly failedOther: number;
  readonly phases: readonly PhaseOutcome[];
  readonly losses: readonly LossOutcome[];
  readonly returns: readonly ReturnOutcome[];
  readonly timeline: readonly Bucket[];
  readonly curve: readonly CurvePoint[];
  readonly goals: readonly Goal[];
}

const BEFORE_MS = 5_000;
const FINAL_MS = 2_000;
const FINAL_SHARE = 0.05;
const SHARE_BACK = 0.9;
const labelOf = (r: OpsRecord) => `${r.event.action} ${r.event.site}`;
const isReturn = (r: OpsRecord) => r.event.action === "revive" || r.event.action === "restore";

export function analyseDrill(
  samples: readonly RequestSample[],
  ops: readonly OpsRecord[],
  holdDownMs: number,
  baselineFromMs = 0,
): DrillAnalysis {
  const phases = phasesOf(samples, ops);
  const endMs = Math.max(0, ...samples.map((s) => s.intendedMs));
  const nextAfter = (r: OpsRecord) => ops.find((o) => o.event.atS > r.event.atS)?.sentMs ?? endMs;
  const losses = ops
    .filter((r) => r.event.action === "kill" || r.event.action === "compromise")
    .map((r) => lossOf(samples, ops, r, nextAfter(r)));
  const firstMs = ops[0]?.sentMs ?? endMs;
  const returns = ops
    .filter(isReturn)
    .map((r) => returnOf(samples, r, baselineFromMs, firstMs, endMs));
  const analysis = {
    requests: samples.length,
    ...failures(samples),
    phases,
    losses,
    returns,
    timeline: bucketsOf(samples),
    curve: percentileCurve(samples),
  };
  return { ...analysis, goals: goalsOf(analysis, holdDownMs) };
}

function phasesOf(samples: readonly RequestSample[], ops: readonly OpsRecord[]): PhaseOutcome[] {
  const starts: { label: string; fromMs: number; atS: number }[] = [
    { label: "before the first event", fromMs: 0, atS: -1 },
  ];
  for (const r of ops) {
    const last = starts.at(-1);
    if (last && last.atS === r.event.atS) last.label += `, ${labelOf(r)}`;
    else starts.push({ label: labelOf(r), fromMs: r.sentMs, atS: r.event.atS });
  }
  return starts.map((phase, i) => {
    const toMs = starts[i + 1]?.fromMs ?? Number.POSITIVE_INFINITY;
    const inPhase = samples.filter((s) => s.intendedMs >= phase.fromMs && s.intendedMs < toMs);
    return {
      label: phase.label,
      fromMs: phase.fromMs,
      requests: inPhase.length,
      ...failures(inPhase),
    };
  });
}

/** Failed requests, idempotent ones apart from the rest. */
function failures(samples: readonly RequestSample[]) {
  const failed = samples.filter(isFailed);
  return {
    failedIdempotent: failed.filter((s) => s.idempotent).length,
    failedOther: failed.filter((s) => !s.idempotent).length,
  };
}

function lossOf(
  samples: readonly RequestSample[],
  ops: readonly OpsRecord[],
  record: OpsRecord,
  nextMs: number,
): LossOutcome {
  const { site } = record.event;
  const atMs = record.sentMs;
  const before = samples.filter((s) => s.intendedMs >= atMs - BEFORE_MS && s.intendedMs < atMs);
  const regions = new Set(before.filter((s) => s.site === site).map((s) => s.region));
  const back = ops.find((o) => o.event.site === site && o.sentMs > atMs && isReturn(o));
  const untilMs = back?.sentMs ?? Number.POSITIVE_INFINITY;
  const after = samples.filter((s) => s.site === site && s.endMs >= atMs && s.endMs < untilMs);
  const lastServed = after.length ? Math.max(...after.map((s) => s.endMs)) - atMs : null;
  const window = samples.filter(
    (s) => regions.has(s.region) && s.intendedMs >= atMs && s.intendedMs < nextMs,
  );
  const finalFrom = Math.max(atMs + (nextMs - atMs) / 2, nextMs - FINAL_MS);
  const final = window.filter((s) => s.intendedMs >= finalFrom && !isFailed(s));
  const finalSites = new Set(
    [...new Set(final.map((s) => s.site))].filter(
      (x) => final.filter((s) => s.site === x).length >= FINAL_SHARE * final.length,
    ),
  );
  const lastEnd = (list: readonly RequestSample[]) =>
    list.length ? Math.max(...list.map((s) => s.endMs)) - atMs : 0;
  const lost = window.filter((s) => isFailed(s) || s.site === site);
  const moving = window.filter((s) => isFailed(s) || s.site === site || !finalSites.has(s.site));
  const reroutedMs = lastEnd(lost);
  const reroutedIdempotentMs = lastEnd(lost.filter((s) => s.idempotent));
  const settledMs = lastEnd(moving);
  let servedAfterMark: number | null = null;
  if (record.event.action === "compromise") {
    const restore = ops.find((o) => o.event.action === "restore" && o.event.site === site);
    const until = restore?.sentMs ?? Number.POSITIVE_INFINITY;
    servedAfterMark = samples.filter(
      (s) => s.site === site && s.sentMs >= record.answeredMs && s.sentMs < until,
    ).length;
  }
  return {
    label: labelOf(record),
    site,
    atMs,
    affectedRegions: [...regions].sort(),
    lastServedByLostMs: lastServed,
    reroutedMs,
    reroutedIdempotentMs,
    settledMs,
    servedAfterMark,
  };
}

/** Regions by the site that is theirs (their `nearSite`). */
const OWN_REGIONS: ReadonlyMap<string, ReadonlySet<string>> = (() => {
  const map = new Map<string, Set<string>>();
  for (const client of CLIENTS) {
    if (client.nearSite === null) continue;
    const regions = map.get(client.nearSite) ?? new Set<string>();
    regions.add(client.region);
    map.set(client.nearSite, regions);
  }
  return map;
})();

function returnOf(
  all: readonly RequestSample[],
  record: OpsRecord,
  fromMs: number,
  firstMs: number,
  lastMs: number,
): ReturnOutcome {
  const { site } = record.event;
  const atMs = record.sentMs;
  const own = OWN_REGIONS.get(site);
  // The share is counted over the site's own clients where it has any (see the header).
  const samples = own ? all.filter((s) => own.has(s.region)) : all;
  const baseline = samples.filter((s) => s.intendedMs >= fromMs && s.intendedMs < firstMs);
  const baselineShare = baseline.length
    ? baseline.filter((s) => s.site === site).length / baseline.length
    : 0;
  const back = all.filter((s) => s.site === site && s.sentMs >= atMs);
  const firstBackMs = back.length ? Math.min(...back.map((s) => s.endMs)) - atMs : null;
  let shareBackMs: number | null = null;
  for (let from = atMs; from + 1_000 <= lastMs + 1; from += 1_000) {
    const bucket = samples.filter((s) => s.intendedMs >= from && s.intendedMs < from + 1_000);
    const share = bucket.filter((s) => s.site === site).length / Math.max(1, bucket.length);
    if (share >= SHARE_BACK * baselineShare) {
      shareBackMs = from + 1_000 - atMs;
      break;
    }
  }
  return { label: labelOf(record), site, atMs, baselineShare, firstBackMs, shareBackMs };
}

function goalsOf(a: Omit<DrillAnalysis, "goals">, holdDownMs: number): Goal[] {
  const slowest = Math.max(0, ...a.losses.map((l) => l.reroutedMs));
  const marks = a.losses.filter((l) => l.servedAfterMark !== null);
  const served = marks.reduce((sum, l) => sum + (l.servedAfterMark ?? 0), 0);
  const backs = a.returns.map((r) => r.shareBackMs);
  const slowestBack = backs.some((b) => b === null) ? null : Math.max(0, ...(backs as number[]));
  return [
    {
      goal: "0 failed idempotent requests across the drill",
      observed: `${a.failedIdempotent} of ${a.requests} requests (non-idempotent failed: ${a.failedOther})`,
      met: a.failedIdempotent === 0,
    },
    {
      goal: "every reroute < 1 s (no request failed or served by the lost site after it)",
      observed: `slowest ${Math.round(slowest)} ms`,
      met: slowest < 1_000,
    },
    {
      goal: "0 requests served by the compromised site after the mark",
      observed: `${served} (${marks.map((l) => l.site).join(", ") || "no mark"})`,
      met: served === 0 && marks.length > 0,
    },
    {
      goal: `traffic back within the hold-down (${holdDownMs / 1_000} s) after restore`,
      observed:
        slowestBack === null
          ? "a site never got its share back"
          : `slowest ${Math.round(slowestBack)} ms`,
      met: slowestBack !== null && slowestBack <= holdDownMs && a.returns.length > 0,
    },
  ];
}
