/**
 * Counts and latencies over a rolling time window, in buckets (10 by default), so old
 * observations age out without a timer: every call passes the time.
 */
export class RollingWindow {
  readonly #bucketMs: number;
  readonly #ok: number[];
  readonly #failed: number[];
  readonly #latencies: number[][];
  #bucketStart = -1;
  #head = 0;

  constructor(windowMs: number, buckets = 10) {
    this.#bucketMs = Math.max(1, Math.floor(windowMs / buckets));
    this.#ok = new Array<number>(buckets).fill(0);
    this.#failed = new Array<number>(buckets).fill(0);
    this.#latencies = Array.from({ length: buckets }, () => []);
  }

  record(ok: boolean, latencyMs: number | undefined, now: number): void {
    this.#advance(now);
    if (ok) this.#ok[this.#head] = (this.#ok[this.#head] ?? 0) + 1;
    else this.#failed[this.#head] = (this.#failed[this.#head] ?? 0) + 1;
    // Latency samples: at most 256 a bucket (a reservoir would be fairer; this is enough for p99).
    const bucket = this.#latencies[this.#head];
    if (latencyMs !== undefined && bucket && bucket.length < 256) bucket.push(latencyMs);
  }

  /** [requests, failures, p99 latency ms or NaN] over the window. */
  read(now: number): { total: number; failed: number; p99Ms: number } {
    this.#advance(now);
    const failed = this.#failed.reduce((a, b) => a + b, 0);
    const total = failed + this.#ok.reduce((a, b) => a + b, 0);
    const samples = this.#latencies.flat().sort((a, b) => a - b);
    const p99Ms =
      samples.length === 0
        ? Number.NaN
        : (samples[Math.min(samples.length - 1, Math.floor(samples.length * 0.99))] as number);
    return { total, failed, p99Ms };
  }

  #advance(now: number): void {
    const bucket = Math.floor(now / this.#bucketMs);
    if (this.#bucketStart < 0) this.#bucketStart = bucket;
    const steps = Math.min(this.#ok.length, bucket - this.#bucketStart);
    for (let i = 0; i < steps; i++) {
      this.#head = (this.#head + 1) % this.#ok.length;
      this.#ok[this.#head] = 0;
      this.#failed[this.#head] = 0;
      this.#latencies[this.#head] = [];
    }
    if (bucket > this.#bucketStart) this.#bucketStart = bucket;
  }
}
