/**
 * What one site's health is, from everything observed of it, in three kinds of reading:
 * - evidence no request can forge: its backends' up/down (probes, Consul checks; rise/fall)
 *   and its site breaker (open only when its connects fail);
 * - passive readings from client traffic: its backends' breakers, the error ratio and the p99
 *   over a rolling window; the monitor floors and caps these across sites (ejection-cap.ts)
 *   before they count, so no client can take a site, or much of the world, out;
 * - saturation (in-flight / capacity), overload's own signal.
 * The site's fraction is the smallest of them, ramped back up over `rampUpMs` after a fall.
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

export interface SiteReadings {
  /** 0..1 from checks and the site breaker: may reach 0. */
  readonly evidence: number;
  /** 0..1 from backend breakers, error ratio and p99: floored and capped by the monitor. */
  readonly passive: number;
  /** 0..1 from in-flight requests against capacity. */
  readonly saturation: number;
}

export class SiteTracker {
  readonly #settings: TrackerSettings;
  #capacity = 1;
  /** The catalogue capacity, for the cap on passive evidence. */
  get capacity(): number {
    return this.#capacity;
  }
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

  /** A try through the data plane; not ok: a failure as the gateway counts them (try-failure.ts). */
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

  /** The readings now, before the cap on passive evidence and the ramp. */
  read(spill: SpillThresholds, now: number): SiteReadings {
    const { passive, saturation } = this.#signals(spill, now);
    const evidence = this.#siteBroken ? 0 : this.#backendShare(false);
    return { evidence, passive: Math.min(passive, this.#backendShare(true)), saturation };
  }

  /** Moves the fraction to `target`: down at once, up at most by the ramp. */
  settle(target: number, spill: SpillThresholds, now: number): SiteHealth {
    const elapsed = this.#evaluatedAt === undefined ? 0 : now - this.#evaluatedAt;
    this.#fraction = rampedFraction(this.#fraction, target, elapsed, spill.rampUpMs);
    this.#evaluatedAt = now;
    const fraction = this.#fraction;
    const state = fraction >= 1 ? "healthy" : fraction <= 0 ? "down" : "degraded";
    return { state, fraction, saturation: this.#inFlight / this.#capacity };
  }

  /** Share of backends up by checks, or (`breakers`) with a breaker that is not open. */
  #backendShare(breakers: boolean): number {
    // No backend (a Consul site before discovery answers, or with none passing) serves nothing.
    if (this.#backends.size === 0) return 0;
    let usable = 0;
    for (const [backend, state] of this.#backends)
      if (breakers ? !this.#brokenBackends.has(backend) : state.up) usable += 1;
    return usable / this.#backends.size;
  }

  #signals(spill: SpillThresholds, now: number): { passive: number; saturation: number } {
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
    return {
      passive: Math.min(error.fraction, latency.fraction),
      saturation: saturation.fraction,
    };
  }
}
