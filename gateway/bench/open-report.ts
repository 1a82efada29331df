/**
 * From open-model runs to the report: the rates (percentages of bare undici's closed-loop
 * saturation rate in the same run), the median per (target, body, rate) over the rounds, and
 * the load generator's own accuracy (rate achieved against asked, lateness, CPU). Pure.
 */
import type { OpenMeasurement } from "./measure.ts";
import { costSummary, fixed, groupRuns, type Measurement, median, pad, rssCell } from "./report.ts";
import { TARGET_LABELS, type TargetName } from "./targets.ts";

/**
 * Asked rate per body and percentage: percent × the median closed-loop req/s of `of` (bare
 * undici unless said), whole.
 */
export function saturationRates(
  closed: readonly Measurement[],
  bodies: readonly string[],
  percents: readonly number[],
  of: TargetName = "bare",
): Record<string, Record<number, number>> {
  const rates: Record<string, Record<number, number>> = {};
  for (const body of bodies) {
    const bare = closed.filter((m) => m.target === of && m.body === body);
    const saturation = median(bare.map((m) => m.load.requestsPerSecond));
    if (!Number.isFinite(saturation) || saturation <= 0) continue;
    rates[body] = Object.fromEntries(
      percents.map((percent) => [percent, Math.max(1, Math.round((saturation * percent) / 100))]),
    );
  }
  return rates;
}

export interface OpenSummary {
  readonly target: TargetName;
  readonly body: string;
  readonly ratePercent: number;
  readonly rounds: number;
  readonly askedPerSecond: number;
  readonly sentPerSecond: number;
  readonly answeredPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly cpuMicrosPerRequest: number;
  readonly upstreamCpuMicrosPerRequest: number;
  /** Largest over the rounds. */
  readonly rssMaxMB: number;
  readonly rssTotalMB: number;
  readonly processes: number;
  /** Summed over the rounds. */
  readonly dropped: number;
  readonly errors: number;
  readonly non2xx: number;
  /** The generator: lateness p50/p99 (median over rounds) and max (largest), CPU. */
  readonly sendLagP50Ms: number;
  readonly sendLagP99Ms: number;
  readonly sendLagMaxMs: number;
  readonly generatorCpuMicrosPerRequest: number;
  readonly generatorCores: number;
}

export function summariseOpen(runs: readonly OpenMeasurement[]): OpenSummary[] {
  const key = (run: OpenMeasurement) => `${run.target}|${run.body}|${run.ratePercent}`;
  return groupRuns(runs, key).map((group) => {
    const first = group[0] as OpenMeasurement;
    const of = (f: (m: OpenMeasurement) => number) => median(group.map(f));
    const sum = (f: (m: OpenMeasurement) => number) => group.reduce((n, m) => n + f(m), 0);
    return {
      target: first.target,
      body: first.body,
      ratePercent: first.ratePercent,
      rounds: group.length,
      askedPerSecond: of((m) => m.load.askedPerSecond),
      sentPerSecond: of((m) => m.load.sentPerSecond),
      answeredPerSecond: of((m) => m.load.answeredPerSecond),
      p50Ms: of((m) => m.load.p50Ms),
      p99Ms: of((m) => m.load.p99Ms),
      p999Ms: of((m) => m.load.p999Ms),
      ...costSummary(group),
      dropped: sum((m) => m.load.dropped),
      errors: sum((m) => m.load.errors),
      non2xx: sum((m) => m.load.non2xx),
      sendLagP50Ms: of((m) => m.load.sendLagP50Ms),
      sendLagP99Ms: of((m) => m.load.sendLagP99Ms),
      sendLagMaxMs: Math.max(...group.map((m) => m.load.sendLagMaxMs)),
      generatorCpuMicrosPerRequest: of((m) => m.load.generatorCpuMicrosPerRequest),
      generatorCores: of((m) => m.load.generatorCores),
    };
  });
}

const rate = (n: number) => Math.round(n).toLocaleString("en");
const ordered = (summaries: readonly OpenSummary[], bodies: readonly string[]) =>
  bodies.flatMap((body) =>
    summaries.filter((s) => s.body === body).sort((a, b) => a.ratePercent - b.ratePercent),
  );

export function formatOpenTable(
  summaries: readonly OpenSummary[],
  bodies: readonly string[],
): string {
  const head = `${"target".padEnd(20)} ${"body".padEnd(6)} ${pad("rate", 4)} ${pad("asked/s", 8)} ${pad("answered/s", 10)} ${pad("p50 ms", 7)} ${pad("p99 ms", 7)} ${pad("p99.9 ms", 8)} ${pad("CPU µs/req", 10)} ${pad("upstream µs", 11)} ${pad("RSS MB", 14)} ${pad("lost", 6)}`;
  const lines = [head, "-".repeat(head.length)];
  for (const s of ordered(summaries, bodies)) {
    const lost = s.dropped + s.errors + s.non2xx;
    lines.push(
      `${TARGET_LABELS[s.target].padEnd(20)} ${s.body.padEnd(6)} ${pad(`${s.ratePercent}%`, 4)} ${pad(rate(s.askedPerSecond), 8)} ${pad(rate(s.answeredPerSecond), 10)} ${pad(fixed(s.p50Ms, 2), 7)} ${pad(fixed(s.p99Ms, 2), 7)} ${pad(fixed(s.p999Ms, 2), 8)} ${pad(fixed(s.cpuMicrosPerRequest, 1), 10)} ${pad(fixed(s.upstreamCpuMicrosPerRequest, 1), 11)} ${pad(rssCell(s), 14)} ${pad(String(lost), 6)}`,
    );
  }
  return lines.join("\n");
}

export function formatGeneratorTable(
  summaries: readonly OpenSummary[],
  bodies: readonly string[],
): string {
  const head = `${"target".padEnd(20)} ${"body".padEnd(6)} ${pad("rate", 4)} ${pad("asked/s", 8)} ${pad("sent/s", 8)} ${pad("achieved", 8)} ${pad("late p50", 8)} ${pad("late p99", 8)} ${pad("late max", 8)} ${pad("gen µs/req", 10)} ${pad("gen cores", 9)}`;
  const lines = [head, "-".repeat(head.length)];
  for (const s of ordered(summaries, bodies)) {
    const achieved = `${fixed((100 * s.answeredPerSecond) / s.askedPerSecond, 1)}%`;
    lines.push(
      `${TARGET_LABELS[s.target].padEnd(20)} ${s.body.padEnd(6)} ${pad(`${s.ratePercent}%`, 4)} ${pad(rate(s.askedPerSecond), 8)} ${pad(rate(s.sentPerSecond), 8)} ${pad(achieved, 8)} ${pad(fixed(s.sendLagP50Ms, 2), 8)} ${pad(fixed(s.sendLagP99Ms, 2), 8)} ${pad(fixed(s.sendLagMaxMs, 2), 8)} ${pad(fixed(s.generatorCpuMicrosPerRequest, 1), 10)} ${pad(fixed(s.generatorCores, 2), 9)}`,
    );
  }
  return lines.join("\n");
}
