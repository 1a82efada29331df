/**
 * From measured runs to the report: the median per (target, body) over the rounds, and the
 * comparisons the issue asks for. Comparisons are paired: each round's gateway run is set
 * against the same round's baseline run (they ran minutes apart at most, under the same
 * machine noise), and the median of those per-round figures is reported. Pure functions.
 */
import type { LoadResult } from "./load-generator.ts";
import { TARGET_LABELS, type TargetName } from "./targets.ts";

export interface Measurement {
  readonly round: number;
  readonly target: TargetName;
  readonly body: string;
  readonly load: LoadResult;
  /** CPU time of the target's processes during the run ÷ responses, µs. */
  readonly cpuMicrosPerRequest: number;
  /** The upstream's CPU time during the run ÷ responses, µs (the same work for every target). */
  readonly upstreamCpuMicrosPerRequest: number;
  /** VmRSS at the end of the run: largest process of the target, and all of them. */
  readonly rssMaxBytes: number;
  readonly rssTotalBytes: number;
  readonly processes: number;
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

export interface Goal {
  readonly op: "≤" | "≥";
  readonly limit: number;
}

export interface Comparison {
  readonly name: string;
  readonly body: string;
  readonly value: number;
  readonly unit: "×" | "ms" | "MB";
  readonly goal?: Goal;
  readonly met?: boolean;
}

export const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const MB = 1024 * 1024;

export function summarise(runs: readonly Measurement[]): Summary[] {
  const groups = new Map<string, Measurement[]>();
  for (const run of runs) {
    const key = `${run.target}|${run.body}`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0] as Measurement;
    const of = (f: (m: Measurement) => number) => median(group.map(f));
    return {
      target: first.target,
      body: first.body,
      rounds: group.length,
      requestsPerSecond: of((m) => m.load.requestsPerSecond),
      p50Ms: of((m) => m.load.p50Ms),
      p99Ms: of((m) => m.load.p99Ms),
      cpuMicrosPerRequest: of((m) => m.cpuMicrosPerRequest),
      upstreamCpuMicrosPerRequest: of((m) => m.upstreamCpuMicrosPerRequest),
      rssMaxMB: Math.max(...group.map((m) => m.rssMaxBytes)) / MB,
      rssTotalMB: Math.max(...group.map((m) => m.rssTotalBytes)) / MB,
      processes: Math.max(...group.map((m) => m.processes)),
      errors: group.reduce((sum, m) => sum + m.load.errors, 0),
      non2xx: group.reduce((sum, m) => sum + m.load.non2xx, 0),
    };
  });
}

/** Median over rounds of f(run of a, run of b), for rounds where both ran. */
function paired(
  runs: readonly Measurement[],
  a: TargetName,
  b: TargetName,
  body: string,
  f: (x: Measurement, y: Measurement) => number,
): number | undefined {
  const find = (target: TargetName, round: number) =>
    runs.find((m) => m.target === target && m.body === body && m.round === round);
  const values: number[] = [];
  for (const x of runs) {
    if (x.target !== a || x.body !== body) continue;
    const y = find(b, x.round);
    if (y) values.push(f(x, y));
  }
  return values.length === 0 ? undefined : median(values);
}

type Rule = {
  readonly name: string;
  readonly a: TargetName;
  readonly b: TargetName;
  readonly unit: "×" | "ms";
  readonly f: (x: Measurement, y: Measurement) => number;
  readonly goal?: Goal;
};

const RULES: readonly Rule[] = [
  {
    name: "gateway CPU/req ÷ bare undici CPU/req",
    a: "gateway",
    b: "bare",
    unit: "×",
    f: (x, y) => x.cpuMicrosPerRequest / y.cpuMicrosPerRequest,
    goal: { op: "≤", limit: 1.1 },
  },
  {
    name: "gateway p99 − bare undici p99",
    a: "gateway",
    b: "bare",
    unit: "ms",
    f: (x, y) => x.load.p99Ms - y.load.p99Ms,
    goal: { op: "≤", limit: 1 },
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
    goal: { op: "≥", limit: 1.6 },
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

export const RSS_LIMIT_MB = 150;

export function compare(
  runs: readonly Measurement[],
  bodies: readonly string[],
  summaries: readonly Summary[],
): Comparison[] {
  const comparisons: Comparison[] = [];
  for (const rule of RULES) {
    for (const body of bodies) {
      const value = paired(runs, rule.a, rule.b, body, rule.f);
      if (value === undefined) continue;
      comparisons.push({
        name: rule.name,
        body,
        value,
        unit: rule.unit,
        ...verdict(value, rule.goal),
      });
    }
  }
  const rss = (name: string, targets: readonly TargetName[]) => {
    const gateways = summaries.filter((s) => targets.includes(s.target));
    if (gateways.length === 0) return;
    const value = Math.max(...gateways.map((s) => s.rssMaxMB));
    const goal: Goal = { op: "≤", limit: RSS_LIMIT_MB };
    comparisons.push({ name, body: "any", value, unit: "MB", ...verdict(value, goal) });
  };
  rss("gateway RSS, largest process", ["gateway", "gateway-2w"]);
  rss("gateway RSS as deployed", ["gateway-deployed"]);
  return comparisons;
}

function verdict(value: number, goal: Goal | undefined): Pick<Comparison, "goal" | "met"> {
  if (!goal) return {};
  return { goal, met: goal.op === "≤" ? value <= goal.limit : value >= goal.limit };
}

const fixed = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : "–");
const pad = (text: string, width: number) => text.padStart(width);

export function formatTable(summaries: readonly Summary[], bodies: readonly string[]): string {
  const head = `${"target".padEnd(20)} ${"body".padEnd(6)} ${pad("req/s", 9)} ${pad("p50 ms", 7)} ${pad("p99 ms", 7)} ${pad("CPU µs/req", 11)} ${pad("upstream µs", 11)} ${pad("RSS MB", 14)} ${pad("errors", 7)}`;
  const lines = [head, "-".repeat(head.length)];
  for (const body of bodies) {
    for (const s of summaries.filter((x) => x.body === body)) {
      const rss =
        s.processes > 1
          ? `${fixed(s.rssMaxMB, 0)} (${s.processes}: ${fixed(s.rssTotalMB, 0)})`
          : fixed(s.rssMaxMB, 0);
      lines.push(
        `${TARGET_LABELS[s.target].padEnd(20)} ${s.body.padEnd(6)} ${pad(Math.round(s.requestsPerSecond).toLocaleString("en"), 9)} ${pad(fixed(s.p50Ms, 2), 7)} ${pad(fixed(s.p99Ms, 2), 7)} ${pad(fixed(s.cpuMicrosPerRequest, 1), 11)} ${pad(fixed(s.upstreamCpuMicrosPerRequest, 1), 11)} ${pad(rss, 14)} ${pad(String(s.errors + s.non2xx), 7)}`,
      );
    }
  }
  return lines.join("\n");
}

export function formatComparisons(comparisons: readonly Comparison[]): string {
  const lines = [
    `${"comparison (median of per-round figures)".padEnd(44)} ${"body".padEnd(6)} ${pad("value", 9)}  goal`,
  ];
  for (const c of comparisons) {
    const value =
      c.unit === "×"
        ? `${fixed(c.value, 2)}×`
        : c.unit === "ms"
          ? `${c.value >= 0 ? "+" : ""}${fixed(c.value, 2)} ms`
          : `${fixed(c.value, 0)} MB`;
    const goal = c.goal
      ? `${c.goal.op} ${c.goal.limit}${c.unit === "×" ? "×" : ` ${c.unit}`}  ${c.met ? "met" : "MISSED"}`
      : "";
    lines.push(`${c.name.padEnd(44)} ${c.body.padEnd(6)} ${pad(value, 9)}  ${goal}`);
  }
  return lines.join("\n");
}
