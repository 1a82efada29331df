/**
 * The open-model load generator, seen from the benchmark: a fixed request rate from
 * open-load-run.ts in a process of its own, latency from each request's scheduled send time
 * (no coordinated omission), sends dropped when all connections are busy. `runOpenLoad` calls
 * `onStart` when the schedule begins and `onEnd` when the last answer is in, so the caller
 * samples the target's CPU over exactly the measured span.
 */
import { fileURLToPath } from "node:url";
import { decodeFromCompressedBase64 } from "hdr-histogram-js";
import type { Children } from "./children.ts";
import { runToEnd } from "./load-generator.ts";
import type { RunCounts } from "./open-load-driver.ts";
import { scheduledLatency } from "./scheduled-latency.ts";

export interface OpenLoadSpec {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Keep-alive connections, the most requests in flight at once. */
  readonly connections: number;
  readonly ratePerS: number;
  readonly seconds: number;
  /** How long the answers still out at the end of the schedule are waited for, ms. */
  readonly drainMs: number;
  /** Unmeasured seconds of the same schedule first. */
  readonly warmSeconds: number;
}

/** What open-load-run.ts prints: counts, and its two HDR histograms (µs), encoded. */
export interface OpenLoadReport extends RunCounts {
  readonly ratePerS: number;
  readonly seconds: number;
  readonly connections: number;
  readonly latency: string;
  readonly sendLag: string;
}

export interface OpenLoadResult {
  readonly askedPerSecond: number;
  readonly seconds: number;
  readonly scheduled: number;
  readonly sent: number;
  /** Due while every connection was busy: never sent. */
  readonly dropped: number;
  readonly answered: number;
  /** Failed (socket errors, resets) and unanswered at the end of the drain. */
  readonly errors: number;
  readonly non2xx: number;
  /** Sends over the scheduled span, and answers alike. */
  readonly sentPerSecond: number;
  readonly answeredPerSecond: number;
  /** From the scheduled send time; unanswered requests rank last, as infinitely late. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxAnsweredMs: number;
  /** The generator's lateness: actual send − scheduled send. */
  readonly sendLagP50Ms: number;
  readonly sendLagP99Ms: number;
  readonly sendLagMaxMs: number;
  /** The generator's own CPU per request sent, µs, and in cores over its measured span. */
  readonly generatorCpuMicrosPerRequest: number;
  readonly generatorCores: number;
}

export function readOpenLoadReport(report: OpenLoadReport): OpenLoadResult {
  const latency = decodeFromCompressedBase64(report.latency);
  const lag = decodeFromCompressedBase64(report.sendLag);
  const unanswered = report.scheduled - report.answered;
  const { p50Ms, p99Ms, p999Ms, maxAnsweredMs } = scheduledLatency(
    (p) => latency.getValueAtPercentile(p),
    report.answered,
    unanswered,
  );
  const lagMs = (p: number) => (lag.totalCount > 0 ? lag.getValueAtPercentile(p) / 1_000 : 0);
  return {
    askedPerSecond: report.ratePerS,
    seconds: report.seconds,
    scheduled: report.scheduled,
    sent: report.sent,
    dropped: report.dropped,
    answered: report.answered,
    errors: report.errors + report.unfinished,
    non2xx: report.non2xx,
    sentPerSecond: report.sent / report.seconds,
    answeredPerSecond: report.answered / report.seconds,
    p50Ms,
    p99Ms,
    p999Ms,
    maxAnsweredMs,
    sendLagP50Ms: lagMs(50),
    sendLagP99Ms: lagMs(99),
    sendLagMaxMs: lagMs(100),
    generatorCpuMicrosPerRequest: report.sent > 0 ? report.cpuMicros / report.sent : Number.NaN,
    generatorCores: report.cpuMicros / 1_000 / report.elapsedMs,
  };
}

const RUNNER = fileURLToPath(new URL("./open-load-run.ts", import.meta.url));

export interface OpenLoadHooks {
  readonly onStart?: () => void;
  readonly onEnd?: () => void;
}

export async function runOpenLoad(
  spec: OpenLoadSpec,
  children: Children,
  hooks: OpenLoadHooks = {},
): Promise<OpenLoadResult> {
  let report: OpenLoadReport | undefined;
  const onLine = (line: string) => {
    if (line === "start") hooks.onStart?.();
    else if (line.startsWith("{")) {
      hooks.onEnd?.();
      report = JSON.parse(line) as OpenLoadReport;
    }
  };
  const timeoutMs = (spec.warmSeconds + spec.seconds) * 1_000 + 2 * spec.drainMs + 30_000;
  const args = [RUNNER, JSON.stringify(spec)];
  const stdout = await runToEnd(
    children,
    "open-load-run",
    process.execPath,
    args,
    timeoutMs,
    onLine,
  );
  if (!report) throw new Error(`open-load-run printed no report:\n${stdout.slice(-2_000)}`);
  return readOpenLoadReport(report);
}
