/**
 * The open-model driver (k6's arrival-rate executors, in Node): iteration i starts at its
 * scheduled offset whatever the target is doing. At most `maxInFlight` iterations run at once
 * (k6's maxVUs); one due while all are busy is dropped and counted, as k6 drops it. Time and
 * waiting are injected; `iterate` gets the scheduled offset so latency can be measured from it.
 */

export interface OpenModelOptions {
  readonly offsetsMs: Iterable<number>;
  readonly maxInFlight: number;
  /** ms since the run started. */
  readonly now: () => number;
  readonly wait: (ms: number) => Promise<void>;
  readonly iterate: (index: number, intendedMs: number) => Promise<void>;
  readonly signal?: AbortSignal;
}

export interface OpenModelOutcome {
  readonly started: number;
  readonly dropped: number;
}

export async function runOpenModel(options: OpenModelOptions): Promise<OpenModelOutcome> {
  const { maxInFlight, now, wait, iterate, signal } = options;
  const running = new Set<Promise<void>>();
  const errors: unknown[] = [];
  let index = 0;
  let started = 0;
  let dropped = 0;
  for (const offset of options.offsetsMs) {
    if (signal?.aborted) break;
    const delay = offset - now();
    if (delay > 0) await wait(delay);
    const current = index++;
    if (running.size >= maxInFlight) {
      dropped++;
      continue;
    }
    started++;
    const run: Promise<void> = iterate(current, offset)
      .catch((error: unknown) => {
        errors.push(error);
      })
      .finally(() => running.delete(run));
    running.add(run);
  }
  await Promise.all(running);
  if (errors.length > 0) throw new AggregateError(errors, `${errors.length} iterations threw`);
  return { started, dropped };
}
