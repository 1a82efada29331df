/**
 * A Consul blocking-query loop, with the rules Consul documents ("Blocking Queries",
 * implementation details) as code: the index is reset to 0 when it goes backwards (a
 * snapshot restore, a tombstone reap) and raised to 1 when an answer gives 0 or less (an
 * index of 0 never blocks, which would spin); a wake-up is not a change (answers are
 * deduplicated by content); errors back off exponentially with full jitter; an AbortSignal
 * stops it.
 *
 * Recovery: after a failure the next query asks with index 0, so it answers at once instead of
 * blocking on an index the servers may no longer reach (a restore, a restart from an older
 * snapshot, a failover: Consul holds a query whose index is above its own for a whole `wait`).
 * With a `recovery` probe (a cheap call such as `status/leader`), the back-off is cut short as
 * soon as the probe answers: the first good answer comes within a probe interval of Consul's
 * return, not at the end of a back-off that grew to 30 s during the outage.
 * Fetch → pure transform → publish (STYLE.md 2): the query and the listener are injected.
 */
import { setTimeout as sleep } from "node:timers/promises";

export interface BlockingAnswer<T> {
  readonly index: number;
  readonly body: T;
  readonly knownLeader?: boolean;
  readonly lastContactMs?: number;
}

export interface BlockingLoopOptions<T> {
  /** One query at `index` (0: answer at once). Rejects on any failure, 5xx included. */
  readonly query: (index: number, signal: AbortSignal) => Promise<BlockingAnswer<T>>;
  /** Told of each answer whose content differs from the last one told. */
  readonly onChange: (body: T, answer: BlockingAnswer<T>) => void;
  /** Told of every answer (for staleness: last contact, known leader, time of answer). */
  readonly onAnswer?: (answer: BlockingAnswer<T>) => void;
  readonly onError?: (error: unknown, failures: number, delayMs: number) => void;
  readonly signal: AbortSignal;
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number };
  readonly random?: () => number;
  /**
   * Content key for deduplication; default JSON.stringify. Give the content routing acts on:
   * raw answers also differ in Consul's own CreateIndex/ModifyIndex, which a restore rewrites.
   */
  readonly key?: (body: T) => string;
  /** Cuts a back-off short once `probe` resolves true; probed every `intervalMs`. */
  readonly recovery?: {
    readonly probe: (signal: AbortSignal) => Promise<boolean>;
    readonly intervalMs: number;
  };
}

/** The next index to ask with, per Consul's rules. */
export function nextIndex(previous: number, answered: number): number {
  if (!Number.isFinite(answered) || answered <= 0) return 1;
  if (answered < previous) return 0;
  return answered;
}

/** Exponential back-off with full jitter: uniform in [0, min(max, base × 2^(failures−1))). */
export function backoffDelay(
  failures: number,
  baseMs: number,
  maxMs: number,
  random: () => number,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
  return Math.floor(random() * ceiling);
}

export async function blockingLoop<T>(options: BlockingLoopOptions<T>): Promise<void> {
  const { signal, backoff = { baseMs: 250, maxMs: 30_000 } } = options;
  const random = options.random ?? Math.random;
  const key = options.key ?? ((body: T) => JSON.stringify(body));
  let index = 0;
  let lastKey: string | undefined;
  let failures = 0;
  while (!signal.aborted) {
    let answer: BlockingAnswer<T>;
    try {
      answer = await options.query(index, signal);
    } catch (error) {
      if (signal.aborted) return;
      failures += 1;
      const delay = backoffDelay(failures, backoff.baseMs, backoff.maxMs, random);
      options.onError?.(error, failures, delay);
      await waitToRetry(delay, signal, options.recovery);
      index = 0; // a fresh read: the old index may be above what Consul holds now
      continue;
    }
    failures = 0;
    options.onAnswer?.(answer);
    const content = key(answer.body);
    if (content !== lastKey) {
      lastKey = content;
      options.onChange(answer.body, answer);
    }
    index = nextIndex(index, answer.index);
  }
}

/**
 * Waits `delayMs`, or less: with a recovery probe, until the first probe (every `intervalMs`)
 * that says Consul answers again. An abort ends the wait early; the loop then stops.
 */
async function waitToRetry(
  delayMs: number,
  signal: AbortSignal,
  recovery: BlockingLoopOptions<unknown>["recovery"],
): Promise<void> {
  const until = Date.now() + delayMs;
  if (!recovery) {
    await sleep(delayMs, undefined, { signal }).catch(() => undefined);
    return;
  }
  while (!signal.aborted && Date.now() < until) {
    const step = Math.min(recovery.intervalMs, until - Date.now());
    await sleep(step, undefined, { signal }).catch(() => undefined);
    if (signal.aborted || Date.now() >= until) return;
    if (await recovery.probe(signal)) return;
  }
}
