/**
 * The text summary of a run, from k6's end-of-test data (the object `handleSummary` gets) or
 * the same shape built by the Node runner. Pure, and plain TypeScript both runtimes import.
 * k6 computes a sub-metric (`metric{tag:value}`) only when a threshold names it, which is why
 * the workloads carry a threshold per region and per site.
 */

export interface SummaryMetric {
  readonly type: "counter" | "gauge" | "rate" | "trend";
  /** trend: min, med, p(90), p(99), p(99.9), max, count (ms); rate: rate, passes, fails. */
  readonly values: Readonly<Record<string, number>>;
  readonly thresholds?: Readonly<Record<string, { readonly ok: boolean }>>;
}

export interface SummaryData {
  readonly metrics: Readonly<Record<string, SummaryMetric>>;
  readonly setup_data?: { readonly workload?: string; readonly question?: string } | null;
  readonly state?: { readonly testRunDurationMs?: number };
}

/** The trend statistics both runtimes report (k6's `summaryTrendStats`). */
export const TREND_STATS = ["min", "med", "p(90)", "p(99)", "p(99.9)", "max", "count"];

export interface ThresholdOutcome {
  readonly metric: string;
  readonly expression: string;
  readonly ok: boolean;
}

export function thresholdOutcomes(data: SummaryData): ThresholdOutcome[] {
  return Object.entries(data.metrics).flatMap(([metric, m]) =>
    Object.entries(m.thresholds ?? {}).map(([expression, t]) => ({ metric, expression, ok: t.ok })),
  );
}

/** Sub-metrics of `metric` split by `tag`, as [tag value, metric]. */
export function byTag(data: SummaryData, metric: string, tag: string): [string, SummaryMetric][] {
  const prefix = `${metric}{${tag}:`;
  return Object.entries(data.metrics)
    .filter(([key]) => key.startsWith(prefix) && key.endsWith("}") && !key.includes(","))
    .map(([key, m]) => [key.slice(prefix.length, -1), m] as [string, SummaryMetric]);
}

const ms = (value: number | undefined) => (value === undefined ? "-" : value.toFixed(1));
const pct = (value: number | undefined) =>
  value === undefined ? "-" : `${(value * 100).toFixed(value > 0 && value < 0.001 ? 3 : 2)}%`;
const row = (cells: readonly string[], widths: readonly number[]) =>
  cells
    .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
    .join("  ");

function latencyTable(title: string, rows: [string, SummaryMetric][]): string[] {
  const widths = [16, 9, 8, 8, 8, 8];
  const lines = [row([title, "requests", "p50", "p90", "p99", "max"], widths)];
  for (const [name, m] of rows.sort(([a], [b]) => a.localeCompare(b))) {
    const v = m.values;
    const count = String(v.count ?? "-");
    lines.push(row([name, count, ms(v.med), ms(v["p(90)"]), ms(v["p(99)"]), ms(v.max)], widths));
  }
  return lines;
}

function siteTable(data: SummaryData): string[] {
  const failed = new Map(byTag(data, "site_req_failed", "site"));
  const widths = [16, 9, 9, 8, 8];
  const lines = [row(["serving site", "requests", "failed", "p50", "p99"], widths)];
  const sites = byTag(data, "site_req_duration", "site").filter(
    ([, m]) => (m.values.count ?? 0) > 0,
  );
  for (const [site, m] of sites.sort(([a], [b]) => a.localeCompare(b))) {
    const rate = failed.get(site)?.values.rate;
    lines.push(
      row(
        [site, String(m.values.count ?? 0), pct(rate), ms(m.values.med), ms(m.values["p(99)"])],
        widths,
      ),
    );
  }
  return lines;
}

export function formatSummary(data: SummaryData): string {
  const m = data.metrics;
  const outcomes = thresholdOutcomes(data);
  const failed = outcomes.filter((o) => !o.ok);
  const seconds = ((data.state?.testRunDurationMs ?? 0) / 1_000).toFixed(1);
  const requests = m.http_reqs?.values.count ?? 0;
  const regions = byTag(data, "http_req_duration", "region").filter(
    ([, r]) => (r.values.count ?? 0) > 0,
  );
  const lines = [
    `workload: ${data.setup_data?.workload ?? "?"} (${data.setup_data?.question ?? ""})`,
    `run: ${seconds} s, ${m.iterations?.values.count ?? 0} iterations (${m.dropped_iterations?.values.count ?? 0} dropped), ${requests} requests`,
    `failed requests: ${pct(m.http_req_failed?.values.rate)} overall, ${pct(m["http_req_failed{idempotent:true}"]?.values.rate)} of idempotent ones`,
    `checks: ${pct(m.checks?.values.rate)} passed (${m.checks?.values.fails ?? 0} failed)`,
    `websocket: ${m.ws_sessions?.values.count ?? 0} sessions, ${m.ws_echoes?.values.count ?? 0} echoes`,
    `latency (ms): p50 ${ms(m.http_req_duration?.values.med)}, p99 ${ms(m.http_req_duration?.values["p(99)"])}, max ${ms(m.http_req_duration?.values.max)}`,
    "",
    `thresholds: ${outcomes.length - failed.length} passed, ${failed.length} failed`,
    ...failed.map((o) => `  FAILED  ${o.metric}  ${o.expression}`),
    "",
    ...latencyTable("client region", regions),
    "",
    ...siteTable(data),
    "",
  ];
  return lines.join("\n");
}
