/**
 * Runs one workload against a target from Node: the open model over the workload's arrival
 * schedule, each iteration planned as in k6, the workload's ops events sent to the admin API at
 * their times, every sample into k6-named metrics judged by the same thresholds.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Agent, request } from "undici";
import { CLIENTS } from "../config/clients.ts";
import { type OpsEvent, opsPath, THRESHOLDS, type Workload } from "../config/workloads.ts";
import { planIteration } from "../flows/plan-iteration.ts";
import { type SummaryData, thresholdOutcomes } from "../summary/format-summary.ts";
import { arrivalOffsetsMs } from "./arrival-schedule.ts";
import { type FlowContext, sendRequest, websocketSession } from "./node-flows.ts";
import { runOpenModel } from "./open-model.ts";
import { createRunMetrics } from "./run-metrics.ts";
import type { Sample } from "./sample.ts";
import { waitReady } from "./wait-ready.ts";

export interface RunOptions {
  readonly workload: Workload;
  readonly baseUrl: string;
  readonly adminUrl: string;
  readonly adminToken?: string;
  /** Multiplies every arrival rate. */
  readonly scale?: number;
  readonly expectSiteHeader?: boolean;
  readonly readyTimeoutMs?: number;
  /** Every sample as it completes (the drill keeps them all). */
  readonly onSample?: (sample: Sample) => void;
}

/** One ops event as it happened: sent and answered, ms since the run started. */
export interface OpsRecord {
  readonly event: OpsEvent;
  readonly sentMs: number;
  readonly answeredMs: number;
  readonly status: number;
}

export interface RunResult {
  readonly summary: SummaryData;
  readonly passed: boolean;
  readonly ops: readonly OpsRecord[];
}

export async function runWorkload(options: RunOptions): Promise<RunResult> {
  const { workload, baseUrl } = options;
  const readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
  await waitReady(`${baseUrl}/`, { "x-forwarded-for": CLIENTS[0]?.address ?? "" }, readyTimeoutMs);
  if (workload.ops.length > 0) await waitReady(`${options.adminUrl}/readyz`, {}, readyTimeoutMs);
  const metrics = createRunMetrics(THRESHOLDS);
  const dispatcher = new Agent({ connections: workload.maxVUs, keepAliveTimeout: 4_000 });
  const startedAt = performance.now();
  const now = () => performance.now() - startedAt;
  const ops: OpsRecord[] = [];
  const context: FlowContext = {
    baseUrl,
    dispatcher,
    now,
    compromisedAt: (atMs) => compromisedBefore(ops, atMs),
    expectSiteHeader: options.expectSiteHeader ?? true,
    timeoutMs: 10_000,
  };
  const conducting = conductOps(options, now, ops);
  try {
    const outcome = await runOpenModel({
      offsetsMs: arrivalOffsetsMs(workload.startPerS, workload.stages, options.scale ?? 1),
      maxInFlight: workload.maxVUs,
      now,
      wait: (ms) => sleep(ms),
      iterate: async (index, intendedMs) => {
        const plan = planIteration(index, workload);
        const sample =
          plan.flow === "websocket"
            ? await websocketSession(context, plan, intendedMs)
            : await sendRequest(context, plan, intendedMs);
        metrics.record(sample);
        options.onSample?.(sample);
      },
    });
    metrics.recordDropped(outcome.dropped);
    await conducting;
  } finally {
    await dispatcher.close();
  }
  const summary = metrics.summary(now(), { workload: workload.name, question: workload.question });
  // An ops action the admin refused is a failed run too: the workload did not happen as written.
  const passed =
    thresholdOutcomes(summary).every((o) => o.ok) && ops.every((o) => o.status === 200);
  return { summary, passed, ops };
}

/** Sends each ops event at its time; records when it was sent and answered. */
async function conductOps(
  options: RunOptions,
  now: () => number,
  into: OpsRecord[],
): Promise<void> {
  const headers: Record<string, string> = options.adminToken
    ? { authorization: `Bearer ${options.adminToken}` }
    : {};
  for (const event of [...options.workload.ops].sort((a, b) => a.atS - b.atS)) {
    const delay = event.atS * 1_000 - now();
    if (delay > 0) await sleep(delay);
    const sentMs = now();
    let status = 0;
    try {
      const res = await request(`${options.adminUrl}${opsPath(event)}`, {
        method: "POST",
        headers,
      });
      await res.body.dump();
      status = res.statusCode;
    } catch {
      // No answer: status 0.
    }
    into.push({ event, sentMs, answeredMs: now(), status });
  }
}

/** Says on stderr which ops actions the admin did not answer with 200. */
export function reportRefusedOps(ops: readonly OpsRecord[]): void {
  for (const op of ops.filter((o) => o.status !== 200))
    process.stderr.write(`ops ${op.event.action} ${op.event.site} answered ${op.status}\n`);
}

/** Sites whose compromise the admin had confirmed before `atMs`, and not restored since. */
export function compromisedBefore(ops: readonly OpsRecord[], atMs: number): string[] {
  const marked = new Set<string>();
  for (const record of ops) {
    if (record.status !== 200) continue;
    const { action, site } = record.event;
    if (action === "compromise" && record.answeredMs <= atMs) marked.add(site);
    if (action === "restore" && record.sentMs <= atMs) marked.delete(site);
  }
  return [...marked];
}
