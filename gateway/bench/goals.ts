/**
 * The four goals of issue 17 (DESIGN.md, "Numbers this design must meet"), each judged MET,
 * MISSED or NOT MEASURED from the runs of one benchmark, paired by round (each round's
 * gateway run against the same round's baseline run at the same body and rate; the median of
 * the per-round figures is judged):
 *   1. CPU per request ≤ 1.3× bare undici (`pool.request`), closed loop and at 50 % open;
 *      the moonshot 1.1× shown as rows of its own.
 *   2. p99 from the scheduled send time ≤ bare undici's + 1 ms at 50 % open.
 *   3. CPU per request with 2 workers ≤ 1.05× one worker's at 50 % open (same total rate).
 *   4. RSS as deployed ≤ 1.1× bare undici's at 50 % open, compared on the process tree's total
 *      (what the gateway costs the machine: primary and workers); the largest process is
 *      shown beside it, not judged. And RSS flat over the soak (rss-slope.ts's rule).
 * The open-model goals are stated at equal load: a round in which the gateway side answered
 * fewer than 99 % of its scheduled requests counts as infinitely bad, one in which the
 * baseline did is left out (it says nothing about the gateway).
 * Pure.
 */
import type { OpenMeasurement } from "./measure.ts";
import { type Measurement, median, pairedMedian, pairedValues, type RoundRun } from "./report.ts";
import { flatVerdict, type SlopeFit } from "./rss-slope.ts";
import type { TargetName } from "./targets.ts";
import { atMost, type Verdict } from "./verdict.ts";

export const GOAL_RATE_PERCENT = 50;
export const CPU_RATIO_LIMIT = 1.3;
export const CPU_RATIO_MOONSHOT = 1.1;
export const P99_MARGIN_MS = 1;
export const WORKERS_RATIO_LIMIT = 1.05;
export const RSS_RATIO_LIMIT = 1.1;

export interface GoalRow {
  readonly goal: 1 | 2 | 3 | 4;
  readonly name: string;
  /** A body of workload.ts, or "-" for a figure over the whole soak. */
  readonly body: string;
  /** NaN when not measured; Infinity when a target left requests unanswered. */
  readonly value: number;
  readonly unit: "×" | "ms" | "MB/min";
  /** Absent for a figure shown beside a goal but not judged. */
  readonly limit?: number;
  readonly verdict?: Verdict;
  /** The figures behind the value, or why it was not measured. */
  readonly detail: string;
}

/** The soak's figures goals.ts judges (soak.ts measures them). */
export interface SoakFigures {
  readonly target: TargetName;
  readonly ratePerS: number;
  readonly fit: SlopeFit;
}

export interface GoalInput {
  readonly closed: readonly Measurement[];
  readonly open: readonly OpenMeasurement[];
  readonly bodies: readonly string[];
  readonly soak?: SoakFigures;
}

type Figure<M> = (m: M) => number;
const cpu = (m: { readonly cpuMicrosPerRequest: number }) => m.cpuMicrosPerRequest;
const p99 = (m: OpenMeasurement) => m.load.p99Ms;
const rssTotal = (m: OpenMeasurement) => m.rssTotalBytes / (1024 * 1024);
const rssLargest = (m: OpenMeasurement) => m.rssMaxBytes / (1024 * 1024);

interface Pairing<M extends RoundRun> {
  readonly runs: readonly M[];
  readonly a: TargetName;
  readonly b: TargetName;
  /** Why no figure, when the runs do not pair. */
  readonly missing: string;
}

/** The paired figure (f over a and b) and the medians of `shown` for each side. */
function pair<M extends RoundRun>(
  p: Pairing<M>,
  f: (x: M, y: M) => number,
  shown: Figure<M>,
  unit: string,
): { value: number; detail: string } {
  const value = pairedMedian(p.runs, p.a, p.b, () => true, f);
  const ran = (t: TargetName) => p.runs.some((m) => m.target === t);
  if (value === undefined && ran(p.a) && ran(p.b))
    return { value: Number.NaN, detail: `not measured: ${p.b} did not hold the rate in any round` };
  if (value === undefined) return { value: Number.NaN, detail: p.missing };
  const side = (t: TargetName) => median(p.runs.filter((m) => m.target === t).map(shown));
  const text = (n: number) => (Number.isFinite(n) ? n.toFixed(unit === "ms" ? 2 : 1) : "∞");
  const detail = `${p.a} ${text(side(p.a))} ${unit}, ${p.b} ${text(side(p.b))} ${unit}`;
  return {
    value,
    detail: `${detail}${unheld(
      pairedValues(p.runs, p.a, p.b, () => true, f),
      p,
    )}`,
  };
}

/** Says how many rounds an open-model figure could not be taken at equal load, if any. */
function unheld<M extends RoundRun>(values: readonly number[], p: Pairing<M>): string {
  const lostA = values.filter((v) => v === Number.POSITIVE_INFINITY).length;
  const lostB = values.filter((v) => Number.isNaN(v)).length;
  if (lostA + lostB === 0) return "";
  const parts = [
    lostA > 0 ? `${p.a} did not hold the rate in ${lostA} (counted as ∞)` : "",
    lostB > 0 ? `${p.b} did not in ${lostB} (left out)` : "",
  ];
  return `; of ${values.length} rounds, ${parts.filter(Boolean).join(", ")}`;
}

function row(
  base: Omit<GoalRow, "verdict" | "value" | "detail">,
  figure: { value: number; detail: string },
): GoalRow {
  const verdict = base.limit === undefined ? {} : { verdict: atMost(figure.value, base.limit) };
  return { ...base, ...figure, ...verdict };
}

const ratio =
  <M>(f: Figure<M>) =>
  (x: M, y: M) =>
    f(x) / f(y);

/** Share of its scheduled requests a run must answer to have held its rate (p99 is then finite). */
export const HELD_FRACTION = 0.99;
const held = (m: OpenMeasurement) => m.load.answered >= HELD_FRACTION * m.load.scheduled;

/**
 * An open-model figure at equal load: a round where the baseline did not hold the rate says
 * nothing (NaN, left out), one where only the subject did not is infinitely bad (it could not
 * carry the load the goal is stated at).
 */
const atEqualLoad =
  (f: (x: OpenMeasurement, y: OpenMeasurement) => number) =>
  (x: OpenMeasurement, y: OpenMeasurement) =>
    !held(y) ? Number.NaN : !held(x) ? Number.POSITIVE_INFINITY : f(x, y);
const needs = (targets: string, open: boolean) =>
  `not measured: needs ${targets} in --only${open ? ` and --mode open with ${GOAL_RATE_PERCENT} in --rates` : ""}`;

function bodyGoals(input: GoalInput, body: string): GoalRow[] {
  const closed = input.closed.filter((m) => m.body === body);
  const open = input.open.filter((m) => m.body === body && m.ratePercent === GOAL_RATE_PERCENT);
  const at = `open ${GOAL_RATE_PERCENT} %`;
  const vsBare = { a: "gateway" as const, b: "bare" as const };
  const closedCpu = pair(
    { runs: closed, ...vsBare, missing: needs("gateway and bare", false) },
    ratio(cpu),
    cpu,
    "µs/req",
  );
  const openPairing = { runs: open, ...vsBare, missing: needs("gateway and bare", true) };
  const openCpu = pair(openPairing, atEqualLoad(ratio(cpu)), cpu, "µs/req");
  const latency = pair(
    openPairing,
    atEqualLoad((x, y) => p99(x) - p99(y)),
    p99,
    "ms",
  );
  const workers = pair(
    { runs: open, a: "gateway-2w", b: "gateway", missing: needs("gateway-2w and gateway", true) },
    atEqualLoad(ratio(cpu)),
    cpu,
    "µs/req",
  );
  const deployed = {
    runs: open,
    a: "gateway-deployed" as const,
    b: "bare" as const,
    missing: needs("gateway-deployed and bare", true),
  };
  const cpuName = "CPU/req gateway ÷ bare undici";
  const rssName = "RSS as deployed ÷ bare undici";
  return [
    row(
      { goal: 1, name: `${cpuName}, closed loop`, body, unit: "×", limit: CPU_RATIO_LIMIT },
      closedCpu,
    ),
    row(
      {
        goal: 1,
        name: `${cpuName}, closed loop, moonshot`,
        body,
        unit: "×",
        limit: CPU_RATIO_MOONSHOT,
      },
      closedCpu,
    ),
    row({ goal: 1, name: `${cpuName}, ${at}`, body, unit: "×", limit: CPU_RATIO_LIMIT }, openCpu),
    row(
      { goal: 1, name: `${cpuName}, ${at}, moonshot`, body, unit: "×", limit: CPU_RATIO_MOONSHOT },
      openCpu,
    ),
    row(
      { goal: 2, name: `p99 gateway − bare undici, ${at}`, body, unit: "ms", limit: P99_MARGIN_MS },
      latency,
    ),
    row(
      {
        goal: 3,
        name: `CPU/req 2 workers ÷ 1 worker, ${at}`,
        body,
        unit: "×",
        limit: WORKERS_RATIO_LIMIT,
      },
      workers,
    ),
    row(
      { goal: 4, name: `${rssName}, ${at}, process tree`, body, unit: "×", limit: RSS_RATIO_LIMIT },
      pair(deployed, atEqualLoad(ratio(rssTotal)), rssTotal, "MB"),
    ),
    row(
      { goal: 4, name: `${rssName}, ${at}, largest process`, body, unit: "×" },
      pair(deployed, atEqualLoad(ratio(rssLargest)), rssLargest, "MB"),
    ),
  ];
}

function soakGoal(soak: SoakFigures | undefined): GoalRow {
  const name = "RSS slope over the soak, process tree";
  if (!soak)
    return {
      goal: 4,
      name,
      body: "-",
      value: Number.NaN,
      unit: "MB/min",
      limit: Number.NaN,
      verdict: "NOT MEASURED",
      detail: "not measured: run with --soak SECONDS",
    };
  const { fit } = soak;
  const detail = `${soak.target} at ${Math.round(soak.ratePerS)} req/s, ${fit.durationMin.toFixed(1)} min, ${fit.samples} samples: ±${fit.slopeStdErrMBPerMin.toFixed(2)} MB/min standard error, σ ${fit.residualSdMB.toFixed(1)} MB, line rises ${fit.growthMB.toFixed(1)} MB (flat: ≤ 2σ)`;
  return {
    goal: 4,
    name,
    body: "-",
    value: fit.slopeMBPerMin,
    unit: "MB/min",
    limit: fit.noiseMBPerMin,
    verdict: flatVerdict(fit),
    detail,
  };
}

export function evaluateGoals(input: GoalInput): GoalRow[] {
  const rows = input.bodies.flatMap((body) => bodyGoals(input, body));
  return [...rows, soakGoal(input.soak)].sort((x, y) => x.goal - y.goal);
}
