/**
 * Latency percentiles of an open-model run, measured from each request's scheduled send
 * time. The histogram holds the answered requests only (µs, HDR). The others (dropped because
 * every connection was busy, failed, or unanswered when the run ended) have no latency, but
 * they did happen: they rank after every answered one, as infinitely late. So a run that
 * dropped 2 % of its sends has an infinite p99: "unknown" is never read as "fast", and a
 * target that cannot hold the rate cannot meet a latency goal at it. Pure.
 */

/** The histogram's value (µs) at a percentile in 0‥100 of the answered requests. */
export type ValueAtPercentile = (percentile: number) => number;

/**
 * The `quantile` (0‥1) of all scheduled requests, in ms: the request of rank ⌈q·total⌉, which
 * is an answered one (read from the histogram) or an unanswered one (Infinity). NaN when
 * nothing was scheduled.
 */
export function scheduledQuantileMs(
  valueAt: ValueAtPercentile,
  answered: number,
  unanswered: number,
  quantile: number,
): number {
  const total = answered + unanswered;
  if (total === 0) return Number.NaN;
  const rank = quantile * total;
  if (rank > answered + 1e-9) return Number.POSITIVE_INFINITY;
  return valueAt(Math.min(100, (100 * rank) / answered)) / 1_000;
}

export interface ScheduledLatency {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  /** The slowest answered request (finite even when some went unanswered). */
  readonly maxAnsweredMs: number;
}

export function scheduledLatency(
  valueAt: ValueAtPercentile,
  answered: number,
  unanswered: number,
): ScheduledLatency {
  const at = (q: number) => scheduledQuantileMs(valueAt, answered, unanswered, q);
  return {
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    p999Ms: at(0.999),
    maxAnsweredMs: answered > 0 ? valueAt(100) / 1_000 : Number.NaN,
  };
}
