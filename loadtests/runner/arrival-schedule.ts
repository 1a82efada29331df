/**
 * When each iteration of an open-model workload is due, as k6's arrival-rate executors place
 * them: the rate moves linearly through each stage, and iteration i starts at the moment the
 * integral of the rate reaches i (so the first one at 0). Pure; times in ms from the start.
 */
import type { Stage } from "../config/workloads.ts";

/**
 * Offsets (ms) of every iteration of a run that starts at `startPerS` iterations/s and then
 * follows `stages`, each rate multiplied by `scale`.
 */
export function* arrivalOffsetsMs(
  startPerS: number,
  stages: readonly Stage[],
  scale = 1,
): Generator<number> {
  let next = 0; // index of the next iteration
  let done = 0; // iterations due before this stage
  let stageStartMs = 0;
  let from = startPerS * scale;
  for (const stage of stages) {
    const to = stage.targetPerS * scale;
    const seconds = stage.durationS;
    const inStage = (from + to) * 0.5 * seconds; // iterations this stage holds (trapezoid)
    while (next < done + inStage - 1e-9) {
      yield stageStartMs + 1_000 * timeForCount(next - done, from, to, seconds);
      next++;
    }
    done += inStage;
    stageStartMs += seconds * 1_000;
    from = to;
  }
}

/** Seconds into a stage at which `count` iterations are due: solves r0·t + (r1−r0)·t²/2D = count. */
function timeForCount(count: number, r0: number, r1: number, durationS: number): number {
  const a = (r1 - r0) / (2 * durationS);
  if (Math.abs(a) < 1e-12) return count / r0;
  return (-r0 + Math.sqrt(r0 * r0 + 4 * a * count)) / (2 * a);
}
