/**
 * The metrics a gateway exports, as the monitoring in this folder relies on them: name, type
 * and labels (gateway/state/README.md is the gateway's side; deploy/ imports nothing of the
 * gateway, so the contract is written down here and the rules and dashboards are checked
 * against it). Every series also carries the target labels of TARGET_LABELS.
 */

export type MetricType = "counter" | "gauge" | "histogram";

export interface MetricSpec {
  readonly type: MetricType;
  readonly labels: readonly string[];
}

export const METRIC_CONTRACT: Readonly<Record<string, MetricSpec>> = Object.freeze({
  gateway_requests_total: { type: "counter", labels: ["site", "status", "code", "service"] },
  gateway_request_duration_seconds: { type: "histogram", labels: ["site", "service"] },
  gateway_upstream_try_duration_seconds: { type: "histogram", labels: ["site"] },
  gateway_upstream_tries_total: { type: "counter", labels: ["site", "outcome"] },
  gateway_retries_total: { type: "counter", labels: ["reason"] },
  gateway_retry_budget_exhausted_total: { type: "counter", labels: [] },
  gateway_served_elsewhere_total: { type: "counter", labels: ["service", "reason"] },
  gateway_site_rtt_seconds: { type: "gauge", labels: ["site"] },
  gateway_site_state: { type: "gauge", labels: ["site", "state"] },
  gateway_site_health: { type: "gauge", labels: ["site"] },
  gateway_breaker_state: { type: "gauge", labels: ["scope", "id"] },
  gateway_config_rejected: { type: "gauge", labels: [] },
  gateway_config_rejected_total: { type: "counter", labels: [] },
  gateway_geoip_rejected: { type: "gauge", labels: [] },
  gateway_geoip_reloads_rejected_total: { type: "counter", labels: [] },
  gateway_snapshot_version: { type: "gauge", labels: [] },
  gateway_snapshot_age_seconds: { type: "gauge", labels: [] },
  gateway_consul_answer_age_seconds: { type: "gauge", labels: ["site"] },
  gateway_consul_errors: { type: "gauge", labels: ["site"] },
  gateway_fleet_control_plane_readable: { type: "gauge", labels: [] },
  gateway_fleet_control_plane_age_seconds: { type: "gauge", labels: [] },
  gateway_ops_overrides_total: { type: "counter", labels: ["site", "action"] },
  gateway_tls_certificate_expiry_timestamp_seconds: {
    type: "gauge",
    labels: ["certificate", "key_type"],
  },
  gateway_tls_certificates_refused: { type: "gauge", labels: [] },
  gateway_tls_certificate_reloads_refused_total: { type: "counter", labels: [] },
  gateway_tls_handshakes_total: { type: "counter", labels: ["version", "resumed"] },
  gateway_tls_handshake_failures_total: { type: "counter", labels: ["reason"] },
  gateway_panic: { type: "gauge", labels: ["service"] },
  gateway_spill_ratio: { type: "gauge", labels: ["service"] },
  // Prometheus writes this one for every target: 1 when the scrape succeeded.
  up: { type: "gauge", labels: [] },
});

/**
 * Labels on every scraped series: `job` and `instance` from Prometheus, `ingress` (the
 * gateway's own site) and `datacenter` from the Consul relabelling (prometheus-config.ts).
 * Not `site`: a gateway's own `site` label names the serving site, and a target label of the
 * same name would push it aside into `exported_site`.
 */
export const TARGET_LABELS: readonly string[] = Object.freeze([
  "job",
  "instance",
  "ingress",
  "datacenter",
]);

/** prom-client's default process metrics: any name with these prefixes, any labels. */
export const OPEN_PREFIXES: readonly string[] = Object.freeze(["process_", "nodejs_"]);

const HISTOGRAM_SERIES: Readonly<Record<string, readonly string[]>> = {
  _bucket: ["le"],
  _sum: [],
  _count: [],
};

/**
 * The labels a series of this name may carry, or undefined when the contract has no such
 * series. A histogram's own name is not a series: its `_bucket` (with `le`), `_sum` and
 * `_count` are.
 */
export function seriesLabels(name: string): readonly string[] | undefined {
  if (OPEN_PREFIXES.some((prefix) => name.startsWith(prefix))) return undefined;
  const spec = METRIC_CONTRACT[name];
  if (spec) return spec.type === "histogram" ? undefined : [...spec.labels, ...TARGET_LABELS];
  for (const [suffix, extra] of Object.entries(HISTOGRAM_SERIES)) {
    const base = METRIC_CONTRACT[name.slice(0, -suffix.length)];
    if (name.endsWith(suffix) && base?.type === "histogram")
      return [...base.labels, ...extra, ...TARGET_LABELS];
  }
  return undefined;
}

/** Whether the contract names this series (a prom-client default counts, whatever its labels). */
export function isContractSeries(name: string): boolean {
  return (
    OPEN_PREFIXES.some((prefix) => name.startsWith(prefix)) || seriesLabels(name) !== undefined
  );
}
