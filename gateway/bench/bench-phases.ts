/**
 * The proxy benchmark's phases, in the order it runs them: a closed-loop warm-up per target
 * and body, the closed-loop rounds, then (open mode) the open-model rounds at each rate.
 * Rounds are interleaved: in each round every target runs once per body (and rate), the
 * order of targets rotating by round, so slow drift of the machine hits every target alike.
 */
import {
  type MeasureContext,
  measureClosed,
  measureOpen,
  type OpenMeasurement,
} from "./measure.ts";
import type { Measurement } from "./report.ts";
import { type RunningTarget, TARGET_LABELS, type TargetName } from "./targets.ts";
import type { Body } from "./workload.ts";

export interface PhaseContext {
  readonly measure: MeasureContext;
  readonly running: ReadonlyMap<TargetName, RunningTarget>;
  readonly targets: readonly TargetName[];
  readonly bodies: readonly Body[];
  readonly rounds: number;
  readonly seconds: number;
  readonly log: (line: string) => void;
}

/** The targets in round `round`'s order: shifted by one more place each round. */
export function rotated<T>(items: readonly T[], round: number): T[] {
  const shift = items.length === 0 ? 0 : (round - 1) % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

const target = (ctx: PhaseContext, name: TargetName) => ctx.running.get(name) as RunningTarget;
const rps = (n: number) => Math.round(n).toLocaleString("en").padStart(8);

export async function warmUp(ctx: PhaseContext, seconds: number): Promise<void> {
  if (seconds <= 0) return;
  ctx.log(`warm-up: ${seconds} s per target and body`);
  for (const name of ctx.targets)
    for (const body of ctx.bodies)
      await measureClosed(ctx.measure, 0, target(ctx, name), body, seconds);
}

export async function closedRounds(ctx: PhaseContext): Promise<Measurement[]> {
  const measurements: Measurement[] = [];
  for (let round = 1; round <= ctx.rounds; round++) {
    for (const name of rotated(ctx.targets, round)) {
      for (const body of ctx.bodies) {
        const m = await measureClosed(ctx.measure, round, target(ctx, name), body, ctx.seconds);
        measurements.push(m);
        ctx.log(
          `round ${round}/${ctx.rounds} closed ${TARGET_LABELS[name].padEnd(20)} ${body.name.padEnd(5)} ${rps(m.load.requestsPerSecond)} req/s  p99 ${m.load.p99Ms.toFixed(2)} ms  ${m.cpuMicrosPerRequest.toFixed(1)} µs/req`,
        );
      }
    }
  }
  return measurements;
}

/** Rates per body and percent (open-report.ts's `saturationRates`). */
export type Rates = Readonly<Record<string, Readonly<Record<number, number>>>>;

export async function openRounds(
  ctx: PhaseContext,
  rates: Rates,
  percents: readonly number[],
): Promise<OpenMeasurement[]> {
  const measurements: OpenMeasurement[] = [];
  for (let round = 1; round <= ctx.rounds; round++) {
    for (const name of rotated(ctx.targets, round)) {
      for (const body of ctx.bodies) {
        for (const ratePercent of percents) {
          const ratePerS = rates[body.name]?.[ratePercent];
          if (ratePerS === undefined) continue;
          const run = {
            round,
            target: target(ctx, name),
            body,
            ratePercent,
            ratePerS,
            seconds: ctx.seconds,
          };
          const m = await measureOpen(ctx.measure, run);
          measurements.push(m);
          const lost = m.load.dropped + m.load.errors;
          ctx.log(
            `round ${round}/${ctx.rounds} open ${String(ratePercent).padStart(3)}% ${TARGET_LABELS[name].padEnd(20)} ${body.name.padEnd(5)} ${rps(m.load.answeredPerSecond)}/${Math.round(ratePerS)} req/s  p99 ${m.load.p99Ms.toFixed(2)} ms  ${m.cpuMicrosPerRequest.toFixed(1)} µs/req  lost ${lost}  late p99 ${m.load.sendLagP99Ms.toFixed(2)} ms`,
          );
        }
      }
    }
  }
  return measurements;
}
