/**
 * The announcer's I/O loop: observe the local gateway → `stepAnnounce` (pure) → tell the
 * speaker when the announcement changes. Clock, sleep and transport are injected. It tells
 * the speaker `withdraw` first, so a restarted announcer never leaves a stale route behind,
 * and again when it is stopped.
 */
import { setTimeout as delay } from "node:timers/promises";
import {
  type Announcement,
  type AnnouncePolicy,
  type SiteObservation,
  stepAnnounce,
  WITHDRAWN,
} from "./announce-decision.ts";

export interface AnnounceLogEntry {
  readonly announcement: Announcement;
  readonly reason: string;
  readonly observation: SiteObservation;
}

export interface AnnounceLoopOptions {
  readonly observe: () => Promise<SiteObservation>;
  readonly publish: (announcement: Announcement) => void;
  readonly policy: AnnouncePolicy;
  /** Time between the starts of two polls, ms. */
  readonly intervalMs: number;
  /** Monotonic clock, ms. */
  readonly now: () => number;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly signal: AbortSignal;
  /** Told of every change, with the observation that made it. */
  readonly onChange?: (entry: AnnounceLogEntry) => void;
}

/** Runs until `signal` aborts; resolves after the final withdraw. */
export async function runAnnounceLoop(options: AnnounceLoopOptions): Promise<void> {
  let state = WITHDRAWN;
  options.publish("withdraw");
  while (!options.signal.aborted) {
    const started = options.now();
    const observation = await options.observe();
    if (options.signal.aborted) break;
    const step = stepAnnounce(state, observation, options.now(), options.policy);
    state = step.state;
    if (step.change) {
      options.publish(step.change);
      options.onChange?.({ announcement: step.change, reason: step.reason, observation });
    }
    const waitMs = Math.max(0, options.intervalMs - (options.now() - started));
    await options.sleep(waitMs, options.signal);
  }
  options.publish("withdraw");
}

/** A sleep for `runAnnounceLoop` on real timers; an abort ends it early, without an error. */
export function timerSleep(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal }).catch(() => undefined);
}
