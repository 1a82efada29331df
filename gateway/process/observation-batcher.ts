/**
 * A data plane's observations (each try's outcome, each breaker change) on their way to its
 * control plane, in batches: the request path only tallies; every `flushMs` the batch goes
 * out with the requests in flight per site. A breaker change goes out at once (health acts on
 * it at once). Tries are folded per site into what health counts of them (`readTry`): the served tries' times and the failures that count, so a
 * batch is a few numbers per site, not an object per request — deserialising one object per
 * request was most of what the control plane allocated under load. A batch never holds more
 * than `maxBatch` tries or observations: a full batch is sent early, so a burst cannot grow
 * memory while the timer waits.
 */
import { type Observation, readTry } from "../forward/observation.ts";

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

interface Tally {
  servedMs: number[];
  failed: number;
}

export function observationBatcher(options: BatcherOptions): ObservationBatcher {
  let batch: Observation[] = [];
  let tallies = new Map<string, Tally>();
  let held = 0;
  let lastLoad = "";
  const flush = () => {
    const load = options.load();
    // An idle data plane sends nothing: no observation, and the same load as last time.
    const loadKey = JSON.stringify(load);
    if (held === 0 && loadKey === lastLoad) return;
    lastLoad = loadKey;
    const out: Observation[] = [];
    for (const [site, { servedMs, failed }] of tallies)
      out.push({ kind: "tries", site, servedMs, failed });
    out.push(...batch);
    batch = [];
    tallies = new Map();
    held = 0;
    options.send(out, load);
  };
  const timer = setInterval(flush, options.flushMs);
  timer.unref();
  const tally = (site: string): Tally => {
    let found = tallies.get(site);
    if (found === undefined) {
      found = { servedMs: [], failed: 0 };
      tallies.set(site, found);
    }
    return found;
  };
  return {
    push: (observation) => {
      if (observation.kind === "try") {
        const reading = readTry(observation);
        if (reading === undefined) return;
        if (reading.ok) tally(observation.site).servedMs.push(reading.latencyMs);
        else tally(observation.site).failed++;
      } else batch.push(observation);
      held++;
      if (observation.kind === "breaker" || held >= options.maxBatch) flush();
    },
    flush,
    stop: () => {
      clearInterval(timer);
      flush();
    },
  };
}
