/**
 * Latency from this gateway to each site, from successful probes: an EWMA (the RTT the
 * latency table uses) and an HDR histogram (percentiles for metrics and the admin API).
 *
 * A site appears in `measuredRttMs()` only after its first successful probe; until then the
 * caller leaves it out of the snapshot's measured table, so the great-circle estimate stands.
 * Single owner, no I/O, no clock: results in, figures out.
 */
import { build, type Histogram } from "hdr-histogram-js";
import type { ProbeResult } from "./probe-result.ts";
import { DEFAULT_PROBE_SETTINGS } from "./probe-settings.ts";

/** Histograms count microseconds, 1 µs to 60 s, 3 significant digits (±0.1 %). */
const HIGHEST_MICROS = 60_000_000;

export interface LatencyPercentiles {
  /** Successful probes recorded since the site's last reset. */
  readonly count: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
}

export interface LatencyTracker {
  /** Takes a probe result; failed probes (`ok: false`) are not latency samples and are ignored. */
  record(result: Pick<ProbeResult, "siteId" | "ok" | "latencyMs">): void;
  /** siteId → EWMA of probe latency, ms; sites without a successful probe are absent. Frozen copy. */
  measuredRttMs(): Readonly<Record<string, number>>;
  /** The site's latency percentiles, or undefined before its first successful probe. */
  percentiles(siteId: string): LatencyPercentiles | undefined;
  /** Forgets the site (EWMA and histogram), e.g. after its backends changed. */
  reset(siteId: string): void;
}

export interface LatencyTrackerOptions {
  /** Weight of the newest sample, above 0 and at most 1. Default: DEFAULT_PROBE_SETTINGS'. */
  readonly ewmaAlpha?: number;
}

/** The EWMA after `sampleMs`: the first sample seeds it, then alpha × sample + (1 − alpha) × previous. */
export function nextEwma(previous: number | undefined, sampleMs: number, alpha: number): number {
  return previous === undefined ? sampleMs : alpha * sampleMs + (1 - alpha) * previous;
}

/** A latency in ms as the histogram's microseconds, clamped to what it covers (1 µs .. 60 s). */
export function toMicros(latencyMs: number): number {
  return Math.min(HIGHEST_MICROS, Math.max(1, Math.round(latencyMs * 1000)));
}

interface SiteLatency {
  ewmaMs: number | undefined;
  readonly histogram: Histogram;
}

function newHistogram(): Histogram {
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_MICROS,
    numberOfSignificantValueDigits: 3,
    autoResize: false,
  });
}

export function createLatencyTracker(options: LatencyTrackerOptions = {}): LatencyTracker {
  const alpha = options.ewmaAlpha ?? DEFAULT_PROBE_SETTINGS.ewmaAlpha;
  if (!(alpha > 0 && alpha <= 1)) throw new RangeError("ewmaAlpha: expected above 0, at most 1");
  const sites = new Map<string, SiteLatency>();

  return {
    record({ siteId, ok, latencyMs }) {
      if (!ok || !Number.isFinite(latencyMs) || latencyMs < 0) return;
      let site = sites.get(siteId);
      if (site === undefined) {
        site = { ewmaMs: undefined, histogram: newHistogram() };
        sites.set(siteId, site);
      }
      site.ewmaMs = nextEwma(site.ewmaMs, latencyMs, alpha);
      site.histogram.recordValue(toMicros(latencyMs));
    },
    measuredRttMs() {
      const out: Record<string, number> = {};
      for (const [siteId, site] of sites) if (site.ewmaMs !== undefined) out[siteId] = site.ewmaMs;
      return Object.freeze(out);
    },
    percentiles(siteId) {
      const histogram = sites.get(siteId)?.histogram;
      if (histogram === undefined || histogram.totalCount === 0) return undefined;
      const at = (p: number) => histogram.getValueAtPercentile(p) / 1000;
      return Object.freeze({
        count: histogram.totalCount,
        p50Ms: at(50),
        p90Ms: at(90),
        p99Ms: at(99),
      });
    },
    reset(siteId) {
      sites.get(siteId)?.histogram.destroy();
      sites.delete(siteId);
    },
  };
}
