/**
 * A circuit breaker in the project's terms: a thin adapter over opossum (STYLE.md 10).
 * Every threshold is set explicitly; opossum's own timeout is off (per-try timeouts belong
 * to the forwarder), and its percentile tracking is off (we keep latency elsewhere).
 * State changes are reported through `onState`, which health turns into observations.
 *
 * What counts as a failure is decided per attempt, through opossum's `errorFilter`:
 * - never a refusal made by a breaker (this one at capacity, or an inner breaker that is
 *   open or full: `CircuitBreaker.isOurError`): that is load, and load has its own signal
 *   (saturation), not a fault of what sits behind the breaker;
 * - only what the caller's `counts(error)` says is a failure (the forwarder leaves out
 *   client hang-ups, and upstream answers its policy does not count: try-failure.ts);
 * - while the breaker is closed, only while `mayOpen()` allows it to open (the ejection cap,
 *   Envoy's max_ejection_percent): past the cap, failures are not counted, so a breaker
 *   cannot open however many a client provokes.
 * A filtered error is, in opossum's books, a success; the caller still gets the rejection.
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

/** Says whether one failed attempt counts against the breaker. */
export type CountsAsFailure = (error: unknown) => boolean;

const EVERY_FAILURE: CountsAsFailure = () => true;

export interface BreakerOptions {
  /** Asked when a failure would be counted while closed: may this breaker open now? */
  readonly mayOpen?: () => boolean;
}

export class Breaker<T> {
  readonly name: string;
  readonly #circuit: CircuitBreaker<[Attempt<T>, CountsAsFailure], T>;

  constructor(
    name: string,
    settings: BreakerSettings,
    onState: (state: BreakerState) => void,
    options: BreakerOptions = {},
  ) {
    this.name = name;
    const mayOpen = options.mayOpen ?? (() => true);
    // true: not a failure (opossum's errorFilter contract).
    const errorFilter = (error: unknown, _attempt: Attempt<T>, counts: CountsAsFailure) =>
      CircuitBreaker.isOurError(error as Error) ||
      !counts(error) ||
      (this.state === "closed" && !mayOpen());
    const action = (attempt: Attempt<T>, _counts: CountsAsFailure) => attempt();
    this.#circuit = new CircuitBreaker(action, {
      name,
      timeout: false,
      volumeThreshold: settings.volumeThreshold,
      errorThresholdPercentage: settings.errorThresholdPercentage,
      resetTimeout: settings.resetTimeoutMs,
      rollingCountTimeout: settings.rollingWindowMs,
      rollingCountBuckets: 10,
      rollingPercentilesEnabled: false,
      capacity: settings.capacity,
      errorFilter: errorFilter as (error: Error) => boolean,
    });
    this.#circuit.on("open", () => onState("open"));
    this.#circuit.on("halfOpen", () => onState("half-open"));
    this.#circuit.on("close", () => onState("closed"));
  }

  /**
   * Runs the attempt through the breaker; rejects at once when open (code EOPENBREAKER) or
   * full (ESEMLOCKED). A rejection of the attempt counts as a failure when `counts` says so.
   */
  run(attempt: Attempt<T>, counts: CountsAsFailure = EVERY_FAILURE): Promise<T> {
    return this.#circuit.fire(attempt, counts);
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
