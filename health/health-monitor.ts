/**
 * The one owner of site health (STYLE.md 6): observations in, site states out, and
 * subscribers told only of the sites whose state changed (a fraction moving by less than
 * a percent is not a change). Pure of I/O: the caller feeds observations and the clock.
 */
import type { SpillThresholds } from "../routing-tables/policy-schema.ts";
import type { SiteHealth } from "../routing-tables/snapshot.ts";
import { HAPROXY_RISE_FALL } from "./backend-state.ts";
import { capPassive, DEFAULT_MAX_EJECTION_PERCENT } from "./ejection-cap.ts";
import { type SiteReadings, SiteTracker, type TrackerSettings } from "./site-tracker.ts";

export type HealthObservation =
  | {
      readonly kind: "check";
      readonly site: string;
      readonly backend: string;
      readonly ok: boolean;
    }
  | {
      readonly kind: "outcome";
      readonly site: string;
      readonly ok: boolean;
      readonly latencyMs?: number;
    }
  | {
      readonly kind: "breaker";
      readonly site: string;
      readonly backend?: string;
      readonly open: boolean;
    }
  | { readonly kind: "load"; readonly site: string; readonly inFlight: number };

export interface MonitoredSite {
  readonly id: string;
  readonly backends: readonly string[];
  readonly capacity: number;
}

const TRACKER_SETTINGS: TrackerSettings = Object.freeze({
  riseFall: HAPROXY_RISE_FALL,
  windowMs: 10_000,
  minRequests: 20,
});

const SAME_FRACTION = 0.01;

export interface HealthMonitorOptions {
  readonly now?: () => number;
  /** Share of the world's capacity passive evidence may take out, percent. Default 10. */
  readonly maxEjectionPercent?: number;
}

export class HealthMonitor {
  readonly #trackers = new Map<string, SiteTracker>();
  readonly #published = new Map<string, SiteHealth>();
  readonly #now: () => number;
  readonly #maxEjectionPercent: number;
  #spill: SpillThresholds;

  constructor(
    sites: readonly MonitoredSite[],
    spill: SpillThresholds,
    options: HealthMonitorOptions = {},
  ) {
    this.#now = options.now ?? Date.now;
    this.#maxEjectionPercent = options.maxEjectionPercent ?? DEFAULT_MAX_EJECTION_PERCENT;
    this.#spill = spill;
    this.sync(sites, spill);
  }

  /**
   * Follows a catalogue or policy change; trackers of kept sites keep their history and take
   * the site's new backends and capacity.
   */
  sync(sites: readonly MonitoredSite[], spill: SpillThresholds): void {
    this.#spill = spill;
    const wanted = new Set(sites.map((s) => s.id));
    for (const id of this.#trackers.keys()) {
      if (wanted.has(id)) continue;
      this.#trackers.delete(id);
      this.#published.delete(id);
    }
    for (const site of sites) {
      const tracker = this.#trackers.get(site.id);
      if (tracker) tracker.setSite(site.backends, site.capacity);
      else
        this.#trackers.set(
          site.id,
          new SiteTracker(site.backends, site.capacity, TRACKER_SETTINGS),
        );
    }
  }

  observe(observation: HealthObservation): void {
    const tracker = this.#trackers.get(observation.site);
    if (!tracker) return;
    if (observation.kind === "check") tracker.check(observation.backend, observation.ok);
    else if (observation.kind === "outcome")
      tracker.outcome(observation.ok, observation.latencyMs, this.#now());
    else if (observation.kind === "breaker") tracker.breaker(observation.backend, observation.open);
    else tracker.load(observation.inFlight);
  }

  /**
   * Many outcomes of one site at once (a data plane's batch): each served request's latency,
   * then `failed` failures — the same as that many `outcome` observations, without an object
   * for each.
   */
  outcomes(site: string, servedMs: readonly number[], failed: number): void {
    const tracker = this.#trackers.get(site);
    if (!tracker) return;
    const now = this.#now();
    for (const latencyMs of servedMs) tracker.outcome(true, latencyMs, now);
    for (let i = 0; i < failed; i++) tracker.outcome(false, undefined, now);
  }

  /**
   * Evaluates every site; returns the sites whose state changed since the last call. Each
   * site's passive readings are floored and capped together first (ejection-cap.ts).
   */
  evaluate(): ReadonlyMap<string, SiteHealth> {
    const now = this.#now();
    const trackers = [...this.#trackers];
    const readings = trackers.map(([, tracker]) => tracker.read(this.#spill, now));
    const passive = capPassive(
      trackers.map(([, tracker], i) => ({
        capacity: tracker.capacity,
        fraction: readings[i]?.passive ?? 1,
      })),
      this.#maxEjectionPercent,
    );
    const changed = new Map<string, SiteHealth>();
    for (const [i, [id, tracker]] of trackers.entries()) {
      const reading = readings[i] as SiteReadings;
      const target = Math.min(reading.evidence, reading.saturation, passive[i] ?? 1);
      const next = tracker.settle(target, this.#spill, now);
      const last = this.#published.get(id) ?? { state: "healthy", fraction: 1 };
      if (next.state === last.state && Math.abs(next.fraction - last.fraction) < SAME_FRACTION)
        continue;
      this.#published.set(id, next);
      changed.set(id, next);
    }
    return changed;
  }
}
