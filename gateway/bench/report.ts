/**
 * From measured closed-loop runs to the report: the median per (target, body) over the
 * rounds, and the comparisons between targets. Comparisons are paired: each round's gateway run is set
 * against the same round's baseline run (they ran minutes apart at most, under the same
 * machine noise), and the median of those per-round figures is reported. Pure functions.
 */
import type { LoadResult } from "./load-generator.ts";
import { TARGET_LABELS, type TargetName } from "./targets.ts";

/** What one run cost the target, from /proc (process-tree.ts), whatever drove the load. */
export interface TargetCost {
  /** CPU time of the target's processes during the run ÷ responses, µs. */
  readonly cpuMicrosPerRequest: number;
  /** The upstream's CPU time during the run ÷ responses, µs (the same work for every target). */
  readonly upstreamCpuMicrosPerRequest: number;
  /** VmRSS at the end of the run: largest process of the target, and all of them. */
  readonly rssMaxBytes: number;
  readonly rssTotalBytes: number;
  readonly processes: number;
}

/** One closed-loop run. */
export interface Measurement extends TargetCost {
  readonly round: number;
  readonly target: TargetName;
  readonly body: string;
  readonly load: LoadResult;
}

export interface Summary {
  readonly target: TargetName;
  readonly body: string;
  readonly rounds: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuMicrosPerRequest: number;
  readonly upstreamCpuMicrosPerRequest: number;
  /** Largest over the rounds. */
  readonly rssMaxMB: number;
  readonly rssTotalMB: number;
  readonly processes: number;
  /** Summed over the rounds. */
  readonly errors: number;
  readonly non2xx: number;
}

export interface Comparison {
  readonly name: string;
  readonly body: string;
  readonly value: number;
  readonly unit: "×" | "ms" | "MB";
}

/** The median; Infinity sorts last (an open run's p99 can be infinite). */
export const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const MB = 1024 * 1024;

/** Runs grouped by `key`, in the order each key is first seen; every group has a run. */
export function groupRuns<M>(runs: readonly M[], key: (run: M) => string): M[][] {
  const groups = new Map<string, M[]>();
  for (const run of runs) {
    const k = key(run);
    groups.set(k, [...(groups.get(k) ?? []), run]);
  }
  return [...groups.values()];
}

/** What a run cost its target: CPU per request (its own, the upstream's), memory, processes. */
export interface RunCost {
  readonly cpuMicrosPerRequest: number;
  readonly upstreamCpuMicrosPerRequest: number;
  readonly rssMaxBytes: number;
  readonly rssTotalBytes: number;
  readonly processes: number;
}

/** A group of runs' cost: CPU the median, memory and processes the largest seen. */
export function costSummary(group: readonly RunCost[]) {
  const largest = (f: (m: RunCost) => number) => Math.max(...group.map(f));
  return {
    cpuMicrosPerRequest: median(group.map((m) => m.cpuMicrosPerRequest)),
    upstreamCpuMicrosPerRequest: median(group.map((m) => m.upstreamCpuMicrosPerRequest)),
    rssMaxMB: largest((m) => m.rssMaxBytes) / MB,
    rssTotalMB: largest((m) => m.rssTotalBytes) / MB,
    processes: largest((m) => m.processes),
  };
}

export function summarise(runs: readonly Measurement[]): Summary[] {
  return groupRuns(runs, (run) => `${run.target}|${run.body}`).map((group) => {
    const first = group[0] as Measurement;
    const of = (f: (m: Measurement) => number) => median(group.map(f));
    return {
      target: first.target,
      body: first.body,
      rounds: group.length,
      requestsPerSecond: of((m) => m.load.requestsPerSecond),
      p50Ms: of((m) => m.load.p50Ms),
      p99Ms: of((m) => m.load.p99Ms),
      ...costSummary(group),
      errors: group.reduce((sum, m) => sum + m.load.errors, 0),
      non2xx: group.reduce((sum, m) => sum + m.load.non2xx, 0),
    };
  });
}

/** What pairing needs of a run: its round and target (other keys are matched by `same`). */
export interface RoundRun {
  readonly round: number;
  readonly target: TargetName;
}

/**
 * Median over rounds of f(run of a, run of b), pairing each run of `a` with the run of `b` of
 * the same round for which `same` holds (same body, same rate); undefined when none pair. A
 * per-round figure of NaN says nothing (a baseline that could not be measured) and is left out.
 */
export function pairedMedian<M extends RoundRun>(
  runs: readonly M[],
  a: TargetName,
  b: TargetName,
  same: (x: M, y: M) => boolean,
  f: (x: M, y: M) => number,
): number | undefined {
  const values = pairedValues(runs, a, b, same, f).filter((v) => !Number.isNaN(v));
  return values.length === 0 ? undefined : median(values);
}

/** f per round for each run of `a` that pairs with one of `b` (NaN kept), in run order. */
export function pairedValues<M extends RoundRun>(
  runs: readonly M[],
  a: TargetName,
  b: TargetName,
  same: (x: M, y: M) => boolean,
  f: (x: M, y: M) => number,
): number[] {
  const values: number[] = [];
  for (const x of runs) {
    if (x.target !== a) continue;
    const y = runs.find((m) => m.target === b && m.round === x.round && same(x, m));
    if (y) values.push(f(x, y));
  }
  return values;
}

type Rule = {
  readonly name: string;
  readonly a: TargetName;
  readonly b: TargetName;
  readonly unit: "×" | "ms";
  readonly f: (x: Measurement, y: Measurement) => number;
};

const RULES: readonly Rule[] = [
  {
    name: "gateway CPU/req ÷ bare undici CPU/req",
    a: "gateway",
    b: "bare",
    unit: "×",
    f: (x, y) => x.cpuMicrosPerRequest / y.cpuMicrosPerRequest,
  },
  {
    name: "gateway p99 − bare undici p99",
    a: "gateway",
    b: "bare",
    unit: "ms",
    f: (x, y) => x.load.p99Ms - y.load.p99Ms,
  },
  {
    name: "gateway CPU/req ÷ bare dispatch CPU/req",
    a: "gateway",
    b: "bare-dispatch",
    unit: "×",
    f: (x, y) => x.cpuMicrosPerRequest / y.cpuMicrosPerRequest,
  },
  {
    name: "gateway as deployed CPU/req ÷ gateway",
    a: "gateway-deployed",
    b: "gateway",
    unit: "×",
    f: (x, y) => x.cpuMicrosPerRequest / y.cpuMicrosPerRequest,
  },
  {
    name: "gateway req/s: 2 workers ÷ 1 worker",
    a: "gateway-2w",
    b: "gateway",
    unit: "×",
    f: (x, y) => x.load.requestsPerSecond / y.load.requestsPerSecond,
  },
  {
    name: "bare undici req/s ÷ gateway req/s",
    a: "bare",
    b: "gateway",
    unit: "×",
    f: (x, y) => x.load.requestsPerSecond / y.load.requestsPerSecond,
  },
  {
    name: "gateway CPU/req ÷ nginx CPU/req",
    a: "gateway",
    b: "nginx",
    unit: "×",
    f: (x, y) => x.cpuMicrosPerRequest / y.cpuMicrosPerRequest,
  },
  {
    name: "bare undici CPU/req ÷ nginx CPU/req",
    a: "bare",
    b: "nginx",
    unit: "×",
    f: (x, y) => x.cpuMicrosPerRequest / y.cpuMicrosPerRequest,
  },
  {
    name: "nginx req/s ÷ gateway req/s",
    a: "nginx",
    b: "gateway",
    unit: "×",
    f: (x, y) => x.load.requestsPerSecond / y.load.requestsPerSecond,
  },
];

/**
 * The closed-loop comparisons, as figures: the goals' verdicts are goals.ts's. Each paired by
 * round (same body), median over rounds.
 */
export function compare(
  runs: readonly Measurement[],
  bodies: readonly string[],
  summaries: readonly Summary[],
): Comparison[] {
  const comparisons: Comparison[] = [];
  for (const rule of RULES) {
    for (const body of bodies) {
      const ofBody = runs.filter((m) => m.body === body);
      const value = pairedMedian(ofBody, rule.a, rule.b, () => true, rule.f);
      if (value !== undefined) comparisons.push({ name: rule.name, body, value, unit: rule.unit });
    }
  }
  const rss = (name: string, targets: readonly TargetName[]) => {
    const gateways = summaries.filter((s) => targets.includes(s.target));
    if (gateways.length === 0) return;
    const value = Math.max(...gateways.map((s) => s.rssMaxMB));
    comparisons.push({ name, body: "any", value, unit: "MB" });
  };
  rss("gateway RSS, largest process", ["gateway", "gateway-2w"]);
  rss("gateway RSS as deployed, largest process", ["gateway-deployed"]);
  return comparisons;
}

/** A figure for a table: ∞ for an infinite one (an open run's unanswered requests), – for none. */
export const fixed = (n: number, digits: number): string =>
  Number.isFinite(n) ? n.toFixed(digits) : n === Number.POSITIVE_INFINITY ? "∞" : "–";
export const pad = (text: string, width: number): string => text.padStart(width);

/** RSS: the largest process, and for several the count and the tree's total in brackets. */
export const rssCell = (s: {
  readonly rssMaxMB: number;
  readonly rssTotalMB: number;
  readonly processes: number;
}): string =>
  s.processes > 1
    ? `${fixed(s.rssMaxMB, 0)} (${s.processes}: ${fixed(s.rssTotalMB, 0)})`
    : fixed(s.rssMaxMB, 0);

export function formatTable(summaries: readonly Summary[], bodies: readonly string[]): string {
  const head = `${"target".padEnd(20)} ${"body".padEnd(6)} ${pad("req/s", 9)} ${pad("p50 ms", 7)} ${pad("p99 ms", 7)} ${pad("CPU µs/req", 11)} ${pad("upstream µs", 11)} ${pad("RSS MB", 14)} ${pad("errors", 7)}`;
  const lines = [head, "-".repeat(head.length)];
  for (const body of bodies) {
    for (const s of summaries.filter((x) => x.body === body)) {
      const rss = rssCell(s);
      lines.push(
        `${TARGET_LABELS[s.target].padEnd(20)} ${s.body.padEnd(6)} ${pad(Math.round(s.requestsPerSecond).toLocaleString("en"), 9)} ${pad(fixed(s.p50Ms, 2), 7)} ${pad(fixed(s.p99Ms, 2), 7)} ${pad(fixed(s.cpuMicrosPerRequest, 1), 11)} ${pad(fixed(s.upstreamCpuMicrosPerRequest, 1), 11)} ${pad(rss, 14)} ${pad(String(s.errors + s.non2xx), 7)}`,
      );
    }
  }
  return lines.join("\n");
}

export function formatComparisons(comparisons: readonly Comparison[]): string {
  const lines = [
    `${"comparison (median of per-round figures)".padEnd(44)} ${"body".padEnd(6)} ${pad("value", 9)}`,
  ];
  for (const c of comparisons) {
    const value =
      c.unit === "×"
        ? `${fixed(c.value, 2)}×`
        : c.unit === "ms"
          ? `${c.value >= 0 ? "+" : ""}${fixed(c.value, 2)} ms`
          : `${fixed(c.value, 0)} MB`;
    lines.push(`${c.name.padEnd(44)} ${c.body.padEnd(6)} ${pad(value, 9)}`);
  }
  return lines.join("\n");
}
