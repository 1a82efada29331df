/**
 * Counts and latencies over a rolling time window, in buckets (10 by default), so old
 * observations age out without a timer: every call passes the time.
 *
 * Every latency sample is recorded: each bucket has an HDR histogram (hdr-histogram-js), so
 * a burst of slow answers after many fast ones moves the p99 however many came before it in
 * the same bucket. Memory is bounded by construction: the bucket count is fixed, and each
 * histogram has a fixed range (0.1 ms to 60 s, ±1 %) with no auto-resize, about 8 KiB; a
 * bucket gets its histogram at its first sample and keeps it (reset, not reallocated) when
 * the window moves on, so a site this gateway sends nothing to costs none.
 */
import { build, type Histogram } from "hdr-histogram-js";

/** Histograms count tenths of a millisecond: 1 (0.1 ms) .. 600 000 (60 s); longer is clamped. */
const UNITS_PER_MS = 10;
const HIGHEST_UNITS = 600_000;

/** Buckets a window may be cut into: the memory bound (each bucket may hold one histogram). */
export const MAX_BUCKETS = 60;

function newHistogram(): Histogram {
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_UNITS,
    numberOfSignificantValueDigits: 2,
    autoResize: false,
  });
}

const toUnits = (latencyMs: number) =>
  Math.min(HIGHEST_UNITS, Math.max(1, Math.round(latencyMs * UNITS_PER_MS)));

export class RollingWindow {
  readonly #bucketMs: number;
  readonly #ok: number[];
  readonly #failed: number[];
  /** Per bucket: its histogram (made at the bucket's first sample) and whether it holds any. */
  readonly #latencies: (Histogram | undefined)[];
  readonly #sampled: boolean[];
  /** Where a read adds the buckets up (made at the first read that has samples). */
  #sum: Histogram | undefined;
  #bucketStart = -1;
  #head = 0;

  constructor(windowMs: number, buckets = 10) {
    if (!Number.isInteger(buckets) || buckets < 1 || buckets > MAX_BUCKETS)
      throw new RangeError(`buckets must be an integer 1..${MAX_BUCKETS}, not ${buckets}`);
    this.#bucketMs = Math.max(1, Math.floor(windowMs / buckets));
    this.#ok = new Array<number>(buckets).fill(0);
    this.#failed = new Array<number>(buckets).fill(0);
    this.#latencies = new Array<Histogram | undefined>(buckets).fill(undefined);
    this.#sampled = new Array<boolean>(buckets).fill(false);
  }

  /** One request: ok or failed, and its latency when it has one (every sample is kept). */
  record(ok: boolean, latencyMs: number | undefined, now: number): void {
    this.#advance(now);
    const head = this.#head;
    if (ok) this.#ok[head] = (this.#ok[head] ?? 0) + 1;
    else this.#failed[head] = (this.#failed[head] ?? 0) + 1;
    if (latencyMs === undefined || !Number.isFinite(latencyMs)) return;
    let histogram = this.#latencies[head];
    if (histogram === undefined) {
      histogram = newHistogram();
      this.#latencies[head] = histogram;
    }
    histogram.recordValue(toUnits(latencyMs));
    this.#sampled[head] = true;
  }

  /** [requests, failures, p99 latency ms or NaN] over the window. */
  read(now: number): { total: number; failed: number; p99Ms: number } {
    this.#advance(now);
    const failed = this.#failed.reduce((a, b) => a + b, 0);
    const total = failed + this.#ok.reduce((a, b) => a + b, 0);
    return { total, failed, p99Ms: this.#p99Ms() };
  }

  #p99Ms(): number {
    if (!this.#sampled.includes(true)) return Number.NaN;
    this.#sum ??= newHistogram();
    const sum = this.#sum;
    sum.reset();
    for (let i = 0; i < this.#latencies.length; i++) {
      const histogram = this.#latencies[i];
      if (histogram && this.#sampled[i]) sum.add(histogram);
    }
    return sum.getValueAtPercentile(99) / UNITS_PER_MS;
  }

  #advance(now: number): void {
    const bucket = Math.floor(now / this.#bucketMs);
    if (this.#bucketStart < 0) this.#bucketStart = bucket;
    const steps = Math.min(this.#ok.length, bucket - this.#bucketStart);
    for (let i = 0; i < steps; i++) {
      this.#head = (this.#head + 1) % this.#ok.length;
      this.#ok[this.#head] = 0;
      this.#failed[this.#head] = 0;
      if (this.#sampled[this.#head]) this.#latencies[this.#head]?.reset();
      this.#sampled[this.#head] = false;
    }
    if (bucket > this.#bucketStart) this.#bucketStart = bucket;
  }
}
