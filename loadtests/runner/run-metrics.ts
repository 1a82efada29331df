/**
 * The Node runner's metrics, named and tagged as k6's (`http_req_duration{region:…}`, …) so the
 * same thresholds judge both and the same formatter prints both. Latencies go into HDR
 * histograms (hdr-histogram-js, µs, 3 significant digits); only the series the thresholds name
 * (and each metric's total) are kept, as in k6.
 *
 * `http_req_duration` is measured from the iteration's scheduled start (corrected for
 * coordinated omission); `http_req_service_time` from the moment it was really sent.
 */
import { build, type Histogram } from "hdr-histogram-js";
import type { SummaryData, SummaryMetric } from "../summary/format-summary.ts";
import { isFailed, type Sample } from "./sample.ts";
import {
  holds,
  type MetricKey,
  matchesKey,
  parseExpression,
  parseMetricKey,
  type ThresholdExpression,
} from "./thresholds.ts";

type MetricType = "counter" | "rate" | "trend";
type Tags = Readonly<Record<string, string>>;

interface Series {
  readonly key: MetricKey;
  readonly type: MetricType;
  readonly histogram: Histogram | undefined;
  count: number;
  passes: number;
}

const TYPES: Readonly<Record<string, MetricType>> = {
  iterations: "counter",
  dropped_iterations: "counter",
  http_reqs: "counter",
  http_req_duration: "trend",
  http_req_service_time: "trend",
  http_req_failed: "rate",
  checks: "rate",
  site_req_duration: "trend",
  site_req_failed: "rate",
  compromised_site_requests: "counter",
  ws_sessions: "counter",
  ws_echoes: "counter",
};

export interface RunMetrics {
  record(sample: Sample): void;
  recordDropped(count: number): void;
  /** k6's end-of-test data shape, thresholds judged. */
  summary(durationMs: number, setupData: SummaryData["setup_data"]): SummaryData;
}

export function createRunMetrics(
  thresholds: Readonly<Record<string, readonly string[]>>,
): RunMetrics {
  const judged = new Map<string, [string, ThresholdExpression][]>();
  for (const [key, expressions] of Object.entries(thresholds))
    judged.set(
      key,
      expressions.map((text) => [text, parseExpression(text)]),
    );
  const series = new Map<string, Series>();
  const keysOf = new Map<string, string[]>();
  for (const key of [...Object.keys(TYPES), ...judged.keys()]) {
    const parsed = parseMetricKey(key);
    const type = TYPES[parsed.metric];
    if (!type)
      throw new Error(`threshold on "${parsed.metric}": the Node runner has no such metric`);
    if (series.has(key)) continue;
    const histogram = type === "trend" ? newHistogram() : undefined;
    series.set(key, { key: parsed, type, histogram, count: 0, passes: 0 });
    keysOf.set(parsed.metric, [...(keysOf.get(parsed.metric) ?? []), key]);
  }
  const add = (metric: string, tags: Tags, value: number) => {
    for (const key of keysOf.get(metric) ?? []) {
      const s = series.get(key);
      if (!s || !matchesKey(s.key, tags)) continue;
      s.count++;
      if (s.type === "rate" && value !== 0) s.passes++;
      if (s.histogram) recordMs(s.histogram, value);
    }
  };
  return {
    record: (sample) => recordSample(sample, add),
    recordDropped: (count) => {
      for (let i = 0; i < count; i++) add("dropped_iterations", {}, 1);
    },
    summary: (durationMs, setupData) => ({
      metrics: Object.fromEntries(
        [...series].map(([key, s]) => [key, summarise(s, judged.get(key))]),
      ),
      setup_data: setupData,
      state: { testRunDurationMs: durationMs },
    }),
  };
}

function recordSample(sample: Sample, add: (metric: string, tags: Tags, value: number) => void) {
  const base = { flow: sample.flow, region: sample.region, continent: sample.continent };
  add("iterations", base, 1);
  for (const check of sample.checks)
    add("checks", { ...base, check: check.name }, check.ok ? 1 : 0);
  if (sample.kind === "session") {
    add("ws_sessions", base, 1);
    for (let i = 0; i < sample.echoed; i++) add("ws_echoes", base, 1);
    return;
  }
  const tags = {
    ...base,
    idempotent: String(sample.idempotent),
    name: sample.route,
    method: sample.method,
  };
  const failed = isFailed(sample) ? 1 : 0;
  const latency = sample.endMs - sample.intendedMs;
  add("http_reqs", tags, 1);
  add("http_req_duration", tags, latency);
  add("http_req_service_time", tags, sample.endMs - sample.sentMs);
  add("http_req_failed", tags, failed);
  const withSite = { ...tags, site: sample.site };
  add("site_req_duration", withSite, latency);
  add("site_req_failed", withSite, failed);
  if (sample.compromisedHit) add("compromised_site_requests", withSite, 1);
}

/** A latency histogram: µs, 1 µs to an hour, 3 significant digits. */
export function newHistogram(): Histogram {
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

/** Records a latency given in ms (as µs, at least 1). */
export function recordMs(histogram: Histogram, ms: number): void {
  histogram.recordValue(Math.max(1, Math.round(ms * 1_000)));
}

/** `expressions`: the key's thresholds, undefined when it has none. */
function summarise(
  s: Series,
  expressions: readonly [string, ThresholdExpression][] | undefined,
): SummaryMetric {
  const values = valuesOf(s);
  const type = s.type;
  if (!expressions) return { type, values };
  const thresholds = Object.fromEntries(
    expressions.map(([text, e]) => [text, { ok: holds(e, observed(s, e.aggregation, values)) }]),
  );
  return { type, values, thresholds };
}

/** The value an aggregation reads; any p(N) comes from the histogram itself. */
function observed(
  s: Series,
  aggregation: string,
  values: Record<string, number>,
): number | undefined {
  const percentile = /^p\((.+)\)$/.exec(aggregation);
  if (percentile && s.histogram && s.count > 0)
    return s.histogram.getValueAtPercentile(Number(percentile[1])) / 1_000;
  return values[aggregation];
}

function valuesOf(s: Series): Record<string, number> {
  if (s.type === "counter") return { count: s.count };
  if (s.type === "rate")
    return {
      rate: s.count === 0 ? 0 : s.passes / s.count,
      passes: s.passes,
      fails: s.count - s.passes,
    };
  const h = s.histogram;
  if (!h || s.count === 0) return { count: 0 };
  const at = (p: number) => h.getValueAtPercentile(p) / 1_000;
  return {
    count: s.count,
    min: h.minNonZeroValue / 1_000,
    med: at(50),
    "p(90)": at(90),
    "p(99)": at(99),
    "p(99.9)": at(99.9),
    max: h.maxValue / 1_000,
    avg: h.mean / 1_000,
  };
}
