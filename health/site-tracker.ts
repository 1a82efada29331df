/**
 * What one site's health is, from everything observed of it: its backends' up/down (probes,
 * Consul checks; rise/fall), their breakers, passive request outcomes (error ratio and p99
 * over a rolling window), and saturation (in-flight / capacity). The site's fraction is the
 * smallest of those readings, ramped back up over `rampUpMs` after a fall.
 */
import type { SpillThresholds } from "../routing-tables/policy-schema.ts";
import type { SiteHealth } from "../routing-tables/snapshot.ts";
import { type BackendState, NEW_BACKEND, observeBackend, type RiseFall } from "./backend-state.ts";
import { RollingWindow } from "./rolling-window.ts";
import { rampedFraction, readSignal } from "./signals.ts";

export interface TrackerSettings {
  readonly riseFall: RiseFall;
  /** Rolling window for the error ratio and p99, ms. */
  readonly windowMs: number;
  /** Below this many requests in the window, the error ratio and p99 say nothing. */
  readonly minRequests: number;
}

export class SiteTracker {
  readonly #settings: TrackerSettings;
  #capacity = 1;
  #backends = new Map<string, BackendState>();
  readonly #brokenBackends = new Set<string>();
  #siteBroken = false;
  #inFlight = 0;
  readonly #window: RollingWindow;
  readonly #tripped = { error: false, latency: false, saturation: false };
  #fraction = 1;
  #evaluatedAt: number | undefined;

  constructor(backends: readonly string[], capacity: number, settings: TrackerSettings) {
    this.#settings = settings;
    this.#window = new RollingWindow(settings.windowMs);
    this.setSite(backends, capacity);
  }

  /** The site's backends (kept ones keep their state) and capacity, e.g. after a reload. */
  setSite(backends: readonly string[], capacity: number): void {
    this.#backends = new Map(backends.map((b) => [b, this.#backends.get(b) ?? NEW_BACKEND]));
    this.#capacity = Math.max(1, capacity);
  }

  /** An active probe or a Consul check of one backend. */
  check(backend: string, ok: boolean): void {
    const state = this.#backends.get(backend);
    if (state) this.#backends.set(backend, observeBackend(state, ok, this.#settings.riseFall));
  }

  /** A try through the data plane (a 502/503/504, reset or timeout is not ok). */
  outcome(ok: boolean, latencyMs: number | undefined, now: number): void {
    this.#window.record(ok, latencyMs, now);
  }

  breaker(backend: string | undefined, open: boolean): void {
    if (backend === undefined) this.#siteBroken = open;
    else if (open) this.#brokenBackends.add(backend);
    else this.#brokenBackends.delete(backend);
  }

  load(inFlight: number): void {
    this.#inFlight = Math.max(0, inFlight);
  }

  evaluate(spill: SpillThresholds, now: number): SiteHealth {
    const target = this.#siteBroken ? 0 : Math.min(this.#backendShare(), this.#signals(spill, now));
    const elapsed = this.#evaluatedAt === undefined ? 0 : now - this.#evaluatedAt;
    this.#fraction = rampedFraction(this.#fraction, target, elapsed, spill.rampUpMs);
    this.#evaluatedAt = now;
    const fraction = this.#fraction;
    const state = fraction >= 1 ? "healthy" : fraction <= 0 ? "down" : "degraded";
    return { state, fraction, saturation: this.#inFlight / this.#capacity };
  }

  #backendShare(): number {
    // No backend (a Consul site before discovery answers, or with none passing) serves nothing.
    if (this.#backends.size === 0) return 0;
    let usable = 0;
    for (const [backend, state] of this.#backends)
      if (state.up && !this.#brokenBackends.has(backend)) usable += 1;
    return usable / this.#backends.size;
  }

  #signals(spill: SpillThresholds, now: number): number {
    const factor = spill.recoverBelowFactor;
    const { total, failed, p99Ms } = this.#window.read(now);
    const enough = total >= this.#settings.minRequests;
    const error = readSignal(
      enough ? failed / total : 0,
      spill.errorRatio,
      this.#tripped.error,
      factor,
    );
    const latencyRatio = enough ? p99Ms / spill.latency.sloP99Ms : 0;
    const latency = readSignal(
      latencyRatio,
      { degradedAbove: spill.latency.degradedAboveRatio, downAbove: spill.latency.downAboveRatio },
      this.#tripped.latency,
      factor,
    );
    const saturation = readSignal(
      this.#inFlight / this.#capacity,
      spill.saturation,
      this.#tripped.saturation,
      factor,
    );
    this.#tripped.error = error.tripped;
    this.#tripped.latency = latency.tripped;
    this.#tripped.saturation = saturation.tripped;
    return Math.min(error.fraction, latency.fraction, saturation.fraction);
  }
}
