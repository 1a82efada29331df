/**
 * When each request of an open-model run is due, and what to do with the ones due now.
 * The rate is constant (k6's constant-arrival-rate, wrk2's `-R`): send i is due at
 * i ÷ rate seconds after the start, the first at 0, whatever the target is doing. A send due
 * while every connection is busy is dropped and counted, never queued (as k6 drops an
 * iteration when no VU is free): queueing it would hide the target's slowness in the
 * generator (coordinated omission). Pure; times in ms from the start of the run.
 */

/** Offset (ms) at which send `index` is due. */
export function dueAtMs(index: number, ratePerS: number): number {
  return (index * 1_000) / ratePerS;
}

/** Sends of the whole run: rate × seconds, whole. */
export function sendsInRun(ratePerS: number, seconds: number): number {
  return Math.floor(ratePerS * seconds + 1e-9);
}

/** How many sends are due by `elapsedMs` (those with dueAtMs ≤ elapsed), at most `total`. */
export function dueBy(elapsedMs: number, ratePerS: number, total: number): number {
  if (elapsedMs < 0) return 0;
  return Math.min(total, Math.floor((elapsedMs * ratePerS) / 1_000 + 1e-9) + 1);
}

export interface Turn {
  /** Sends to dispatch now, indices `next` … `next + send - 1`. */
  readonly send: number;
  /** Sends after those that are due but have no free connection: dropped. */
  readonly drop: number;
}

/**
 * One turn of the generator: of the sends due and not yet handled (`due − next`), as many as
 * there are free connections go out, the rest are dropped. The work of a turn is bounded by
 * the free connections, however late the turn is (a stalled event loop drops in bulk).
 */
export function planTurn(next: number, due: number, freeConnections: number): Turn {
  const pending = Math.max(0, due - next);
  const send = Math.min(pending, Math.max(0, freeConnections));
  return { send, drop: pending - send };
}
