/**
 * One measured run of one target: the load generator in a process of its own, and around it
 * the target's CPU time and RSS (its whole process tree: a gateway primary and its workers
 * count as one target) and the upstream's CPU time, from /proc. Closed loop (wrk or
 * autocannon, `measureClosed`) or open model (a fixed rate, `measureOpen`, sampled over
 * exactly the scheduled span).
 */
import type { Children } from "./children.ts";
import { type LoadTool, runLoad } from "./load-generator.ts";
import { type OpenLoadResult, runOpenLoad } from "./open-load.ts";
import { sampleTree, type TreeSample } from "./process-tree.ts";
import type { Measurement, TargetCost } from "./report.ts";
import type { RunningTarget, TargetName } from "./targets.ts";
import { type Body, CONNECTIONS, REQUEST_HEADERS } from "./workload.ts";

export interface MeasureContext {
  readonly children: Children;
  readonly upstreamPid: number;
  readonly tool: LoadTool;
  /** How long an open run waits for the answers still out when its schedule ends, ms. */
  readonly drainMs: number;
  /** Unmeasured seconds at the rate before each open run's measured span. */
  readonly openWarmSeconds: number;
  /** The open-model generator's connections: the most requests in flight. */
  readonly openConnections: number;
}

/** One open-model run at a fixed rate. */
export interface OpenMeasurement extends TargetCost {
  readonly round: number;
  readonly target: TargetName;
  readonly body: string;
  /** Percent of bare undici's closed-loop saturation rate (the rate asked is in `load`). */
  readonly ratePercent: number;
  readonly load: OpenLoadResult;
}

interface Samples {
  readonly target: TreeSample;
  readonly upstream: TreeSample;
}

const sampleBoth = (target: RunningTarget, upstreamPid: number): Samples => ({
  target: sampleTree(target.child.pid as number),
  upstream: sampleTree(upstreamPid),
});

/** CPU per response of the target and the upstream between two samples; RSS at the second. */
export function costBetween(before: Samples, after: Samples, responses: number): TargetCost {
  const perResponse = (a: TreeSample, b: TreeSample) =>
    responses > 0 ? (b.cpuMicros - a.cpuMicros) / responses : Number.NaN;
  return {
    cpuMicrosPerRequest: perResponse(before.target, after.target),
    upstreamCpuMicrosPerRequest: perResponse(before.upstream, after.upstream),
    rssMaxBytes: after.target.rssMaxBytes,
    rssTotalBytes: after.target.rssTotalBytes,
    processes: after.target.processes,
  };
}

export async function measureClosed(
  ctx: MeasureContext,
  round: number,
  target: RunningTarget,
  body: Body,
  seconds: number,
): Promise<Measurement> {
  target.beforeRun();
  const before = sampleBoth(target, ctx.upstreamPid);
  const url = `${target.url}${body.path}`;
  const spec = { url, connections: CONNECTIONS, seconds, headers: REQUEST_HEADERS };
  const load = await runLoad(ctx.tool, spec, ctx.children);
  const after = sampleBoth(target, ctx.upstreamPid);
  const cost = costBetween(before, after, load.requests);
  return { round, target: target.name, body: body.name, load, ...cost };
}

export interface OpenRun {
  readonly round: number;
  readonly target: RunningTarget;
  readonly body: Body;
  readonly ratePercent: number;
  readonly ratePerS: number;
  readonly seconds: number;
  /** Called at the start of the scheduled span and every `everyMs` in it (the soak's RSS). */
  readonly sample?: { readonly everyMs: number; readonly take: () => void };
}

export async function measureOpen(ctx: MeasureContext, run: OpenRun): Promise<OpenMeasurement> {
  const { target, body } = run;
  target.beforeRun();
  let before: Samples | undefined;
  let after: Samples | undefined;
  let sampler: NodeJS.Timeout | undefined;
  const spec = {
    url: `${target.url}${body.path}`,
    headers: REQUEST_HEADERS,
    connections: ctx.openConnections,
    ratePerS: run.ratePerS,
    seconds: run.seconds,
    drainMs: ctx.drainMs,
    warmSeconds: ctx.openWarmSeconds,
  };
  const onStart = () => {
    before = sampleBoth(target, ctx.upstreamPid);
    if (!run.sample) return;
    run.sample.take();
    sampler = setInterval(run.sample.take, run.sample.everyMs);
  };
  const onEnd = () => {
    clearInterval(sampler);
    after = sampleBoth(target, ctx.upstreamPid);
  };
  try {
    const load = await runOpenLoad(spec, ctx.children, { onStart, onEnd });
    if (!before || !after) throw new Error("the open-load run marked no start or no end");
    const cost = costBetween(before, after, load.answered);
    const { round, ratePercent } = run;
    return { round, target: target.name, body: body.name, ratePercent, load, ...cost };
  } finally {
    clearInterval(sampler);
  }
}
