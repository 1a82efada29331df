/**
 * The drill's time series, from its request samples (pure): per-second buckets (by scheduled
 * start) with each serving site's count and the latency percentiles, and the whole run's
 * percentile curve from HDR histograms (hdr-histogram-js), corrected for coordinated omission
 * (from the scheduled start) and not (from the real send).
 */
import { newHistogram, recordMs } from "../runner/run-metrics.ts";
import { isFailed, type RequestSample } from "../runner/sample.ts";

export interface Bucket {
  /** Seconds since the run started (the bucket's start). */
  readonly atS: number;
  readonly requests: number;
  readonly failed: number;
  readonly bySite: Readonly<Record<string, number>>;
  /** Latency from the scheduled start, ms; 0 when the bucket is empty. */
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

export interface CurvePoint {
  readonly percentile: number;
  /** From the scheduled start (corrected), ms. */
  readonly correctedMs: number;
  /** From the real send (uncorrected), ms. */
  readonly serviceMs: number;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? 0;
}

export function bucketsOf(samples: readonly RequestSample[], bucketMs = 1_000): Bucket[] {
  const groups = new Map<number, RequestSample[]>();
  for (const s of samples) {
    const index = Math.floor(s.intendedMs / bucketMs);
    const group = groups.get(index);
    if (group) group.push(s);
    else groups.set(index, [s]);
  }
  const last = Math.max(-1, ...groups.keys());
  return Array.from({ length: last + 1 }, (_, index) => {
    const group = groups.get(index) ?? [];
    const latencies = group.map((s) => s.endMs - s.intendedMs).sort((a, b) => a - b);
    const bySite: Record<string, number> = {};
    for (const s of group) bySite[s.site] = (bySite[s.site] ?? 0) + 1;
    return {
      atS: (index * bucketMs) / 1_000,
      requests: group.length,
      failed: group.filter(isFailed).length,
      bySite,
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? 0,
    };
  });
}

export const CURVE_PERCENTILES = [
  0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.995, 99.999, 100,
] as const;

export function percentileCurve(samples: readonly RequestSample[]): CurvePoint[] {
  const corrected = newHistogram();
  const service = newHistogram();
  for (const s of samples) {
    recordMs(corrected, s.endMs - s.intendedMs);
    recordMs(service, s.endMs - s.sentMs);
  }
  const points = CURVE_PERCENTILES.map((p) => ({
    percentile: p,
    correctedMs: corrected.getValueAtPercentile(p) / 1_000,
    serviceMs: service.getValueAtPercentile(p) / 1_000,
  }));
  corrected.destroy();
  service.destroy();
  return points;
}
