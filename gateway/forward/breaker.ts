/**
 * A circuit breaker in the project's terms: a thin adapter over opossum (STYLE.md 10).
 * Every threshold is set explicitly; opossum's own timeout is off (per-try timeouts belong
 * to the forwarder), and its percentile tracking is off (we keep latency elsewhere).
 * State changes are reported through `onState`, which health turns into observations.
 */
import CircuitBreaker from "opossum";

export interface BreakerSettings {
  /** Requests in the rolling window before the error ratio may open the breaker. */
  readonly volumeThreshold: number;
  /** Error percentage (0–100) in the rolling window that opens the breaker. */
  readonly errorThresholdPercentage: number;
  /** How long an open breaker waits before letting one trial request through, ms. */
  readonly resetTimeoutMs: number;
  /** Length of the rolling window, ms (10 buckets). */
  readonly rollingWindowMs: number;
  /** Concurrent requests allowed through; more are refused at once. */
  readonly capacity: number;
}

export type BreakerState = "closed" | "open" | "half-open";

type Attempt<T> = () => Promise<T>;

export class Breaker<T> {
  readonly name: string;
  readonly #circuit: CircuitBreaker<[Attempt<T>], T>;

  constructor(name: string, settings: BreakerSettings, onState: (state: BreakerState) => void) {
    this.name = name;
    this.#circuit = new CircuitBreaker((attempt: Attempt<T>) => attempt(), {
      name,
      timeout: false,
      volumeThreshold: settings.volumeThreshold,
      errorThresholdPercentage: settings.errorThresholdPercentage,
      resetTimeout: settings.resetTimeoutMs,
      rollingCountTimeout: settings.rollingWindowMs,
      rollingCountBuckets: 10,
      rollingPercentilesEnabled: false,
      capacity: settings.capacity,
    });
    this.#circuit.on("open", () => onState("open"));
    this.#circuit.on("halfOpen", () => onState("half-open"));
    this.#circuit.on("close", () => onState("closed"));
  }

  /** Runs the attempt through the breaker; rejects at once (code EOPENBREAKER) when open. */
  run(attempt: Attempt<T>): Promise<T> {
    return this.#circuit.fire(attempt);
  }

  get state(): BreakerState {
    if (this.#circuit.opened) return "open";
    return this.#circuit.halfOpen ? "half-open" : "closed";
  }

  /** True when a request would be refused without being tried. */
  get isOpen(): boolean {
    return this.#circuit.opened;
  }

  shutdown(): void {
    this.#circuit.shutdown();
  }
}
