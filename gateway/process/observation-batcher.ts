/**
 * A data plane's observations (each try's outcome, each breaker change) on their way to its
 * control plane, in batches: the request path only pushes onto an array; every `flushMs` the
 * batch goes out with the requests in flight per site. A breaker change goes out at once
 * (health acts on it at once). A batch never holds more than `maxBatch` observations: a
 * full batch is sent early, so a burst cannot grow memory while the timer waits.
 */
import type { Observation } from "../forward/observation.ts";

export interface BatcherOptions {
  readonly flushMs: number;
  readonly maxBatch: number;
  /** Requests in flight per site, read at each flush. */
  readonly load: () => Readonly<Record<string, number>>;
  readonly send: (batch: readonly Observation[], load: Readonly<Record<string, number>>) => void;
}

export interface ObservationBatcher {
  push(observation: Observation): void;
  flush(): void;
  stop(): void;
}

export function observationBatcher(options: BatcherOptions): ObservationBatcher {
  let batch: Observation[] = [];
  let lastLoad = "";
  const flush = () => {
    const load = options.load();
    // An idle data plane sends nothing: no observation, and the same load as last time.
    const loadKey = JSON.stringify(load);
    if (batch.length === 0 && loadKey === lastLoad) return;
    lastLoad = loadKey;
    const out = batch;
    batch = [];
    options.send(out, load);
  };
  const timer = setInterval(flush, options.flushMs);
  timer.unref();
  return {
    push: (observation) => {
      batch.push(observation);
      if (observation.kind === "breaker" || batch.length >= options.maxBatch) flush();
    },
    flush,
    stop: () => {
      clearInterval(timer);
      flush();
    },
  };
}
