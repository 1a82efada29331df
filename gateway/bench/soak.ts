/**
 * The soak: one open-model run of `seconds` at a fixed rate against one target (the gateway
 * as deployed, by default), with the target's RSS sampled every `everySeconds` (the process
 * tree's total and its largest process), and a least-squares line through each series
 * (rss-slope.ts). It starts after the rounds, so the target is warm and its heap has grown
 * to its working size; a leak shows as a line that keeps rising beyond the saw-tooth.
 */
import { performance } from "node:perf_hooks";
import { type MeasureContext, measureOpen, type OpenMeasurement } from "./measure.ts";
import { sampleTree } from "./process-tree.ts";
import { fitSlope, type RssPoint, type SlopeFit } from "./rss-slope.ts";
import type { RunningTarget, TargetName } from "./targets.ts";
import type { Body } from "./workload.ts";

export interface SoakSample {
  /** Seconds since the schedule started. */
  readonly atS: number;
  readonly rssTotalMB: number;
  readonly rssMaxMB: number;
}

export interface SoakResult {
  readonly target: TargetName;
  readonly body: string;
  /** Whose closed-loop saturation rate `ratePercent` is of. */
  readonly rateOf: TargetName;
  readonly ratePercent: number;
  readonly ratePerS: number;
  readonly seconds: number;
  readonly everySeconds: number;
  readonly samples: readonly SoakSample[];
  /** The line through the tree's total (judged) and through the largest process (shown). */
  readonly fit: SlopeFit;
  readonly fitLargest: SlopeFit;
  /** Through the tree less its largest process (with one worker: the cluster primary). */
  readonly fitRest: SlopeFit;
  readonly run: OpenMeasurement;
}

export interface SoakPlan {
  readonly target: RunningTarget;
  readonly body: Body;
  readonly rateOf: TargetName;
  readonly ratePercent: number;
  readonly ratePerS: number;
  readonly seconds: number;
  readonly everySeconds: number;
}

const MB = 1024 * 1024;

export async function runSoak(ctx: MeasureContext, plan: SoakPlan): Promise<SoakResult> {
  const samples: SoakSample[] = [];
  let startMs: number | undefined;
  const pid = plan.target.child.pid as number;
  const take = () => {
    startMs ??= performance.now();
    const tree = sampleTree(pid);
    samples.push({
      atS: (performance.now() - startMs) / 1_000,
      rssTotalMB: tree.rssTotalBytes / MB,
      rssMaxMB: tree.rssMaxBytes / MB,
    });
  };
  const run = await measureOpen(ctx, {
    round: 0,
    target: plan.target,
    body: plan.body,
    ratePercent: plan.ratePercent,
    ratePerS: plan.ratePerS,
    seconds: plan.seconds,
    sample: { everyMs: plan.everySeconds * 1_000, take },
  });
  const series = (f: (s: SoakSample) => number): RssPoint[] =>
    samples.map((s) => ({ minutes: s.atS / 60, mb: f(s) }));
  return {
    target: plan.target.name,
    body: plan.body.name,
    rateOf: plan.rateOf,
    ratePercent: plan.ratePercent,
    ratePerS: plan.ratePerS,
    seconds: plan.seconds,
    everySeconds: plan.everySeconds,
    samples,
    fit: fitSlope(series((s) => s.rssTotalMB)),
    fitLargest: fitSlope(series((s) => s.rssMaxMB)),
    fitRest: fitSlope(series((s) => s.rssTotalMB - s.rssMaxMB)),
    run,
  };
}

export function formatSoak(soak: SoakResult): string {
  const f = (fit: SlopeFit) =>
    `${fit.slopeMBPerMin >= 0 ? "+" : ""}${fit.slopeMBPerMin.toFixed(2)} ± ${fit.slopeStdErrMBPerMin.toFixed(2)} MB/min (σ ${fit.residualSdMB.toFixed(1)} MB, flat up to ${fit.noiseMBPerMin.toFixed(2)} MB/min)`;
  const first = soak.samples[0];
  const last = soak.samples.at(-1);
  const { load } = soak.run;
  const rest = (s: SoakSample | undefined) => s && (s.rssTotalMB - s.rssMaxMB).toFixed(0);
  return [
    `soak: ${soak.target}, ${soak.body}, ${soak.ratePercent} % of ${soak.rateOf}'s saturation = ${soak.ratePerS.toLocaleString("en")} req/s for ${soak.seconds} s, RSS every ${soak.everySeconds} s (${soak.samples.length} samples)`,
    `  answered ${Math.round(load.answeredPerSecond).toLocaleString("en")} req/s, p99 ${load.p99Ms.toFixed(2)} ms, dropped ${load.dropped}, errors ${load.errors}; CPU ${soak.run.cpuMicrosPerRequest.toFixed(1)} µs/req`,
    `  RSS process tree: ${first?.rssTotalMB.toFixed(0)} → ${last?.rssTotalMB.toFixed(0)} MB, slope ${f(soak.fit)}`,
    `  RSS largest process: ${first?.rssMaxMB.toFixed(0)} → ${last?.rssMaxMB.toFixed(0)} MB, slope ${f(soak.fitLargest)}`,
    `  RSS rest of the tree: ${rest(first)} → ${rest(last)} MB, slope ${f(soak.fitRest)}`,
  ].join("\n");
}
