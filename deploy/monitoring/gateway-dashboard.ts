/**
 * The drill-down into one gateway (pick its site, `ingress`, and the instance): what it
 * serves and where, its errors and latency, upstream tries and retries, how it sees every
 * site (state, health, RTT, breakers, Consul), and its process.
 */
import { type DashboardSpec, dashboard } from "./grafana-dashboard.ts";
import {
  type PanelSpec,
  stat,
  stateTimeline,
  table,
  timeseries,
  valueText,
} from "./grafana-panels.ts";
import { STATE_MAPPINGS, worstStateExpr } from "./site-state-panels.ts";

const G = 'ingress="$ingress",instance=~"$instance"';
const R = "[$__rate_interval]";

const health: PanelSpec[] = [
  stat("Scraped", [{ expr: `min(up{job="gateway",${G}})`, instant: true }], {
    mappings: valueText([
      [0, "down", "red"],
      [1, "up", "green"],
    ]),
  }),
  stat("Requests/s", [{ expr: `sum(rate(gateway_requests_total{${G}}${R}))`, instant: true }], {
    unit: "reqps",
  }),
  stat("Snapshot version", [{ expr: `max(gateway_snapshot_version{${G}})`, instant: true }]),
  stat("Snapshot age", [{ expr: `max(gateway_snapshot_age_seconds{${G}})`, instant: true }], {
    unit: "s",
  }),
  stat("Config refused", [{ expr: `max(gateway_config_rejected{${G}})`, instant: true }], {
    thresholds: [
      [Number.NaN, "green"],
      [1, "orange"],
    ],
  }),
  stat("GeoIP refused", [{ expr: `max(gateway_geoip_rejected{${G}})`, instant: true }], {
    thresholds: [
      [Number.NaN, "green"],
      [1, "orange"],
    ],
  }),
];

const traffic: PanelSpec[] = [
  timeseries(
    "Requests by serving site",
    [{ expr: `sum by (site) (rate(gateway_requests_total{${G}}${R}))`, legend: "{{site}}" }],
    { unit: "reqps" },
  ),
  timeseries(
    "Answers by status and code",
    [
      {
        expr: `sum by (status, code) (rate(gateway_requests_total{${G}}${R}))`,
        legend: "{{status}} {{code}}",
      },
    ],
    { unit: "reqps" },
  ),
  timeseries(
    "Latency (p50, p90, p99)",
    [0.5, 0.9, 0.99].map((q) => ({
      expr: `histogram_quantile(${q}, sum by (le) (rate(gateway_request_duration_seconds_bucket{${G}}${R})))`,
      legend: `p${q * 100}`,
    })),
    { unit: "s" },
  ),
  timeseries(
    "Upstream time to response head per site (p99)",
    [
      {
        expr: `histogram_quantile(0.99, sum by (site, le) (rate(gateway_upstream_try_duration_seconds_bucket{${G}}${R})))`,
        legend: "{{site}}",
      },
    ],
    { unit: "s" },
  ),
  timeseries(
    "Upstream tries by outcome",
    [
      {
        expr: `sum by (outcome) (rate(gateway_upstream_tries_total{${G}}${R}))`,
        legend: "{{outcome}}",
      },
    ],
    { unit: "reqps" },
  ),
  timeseries(
    "Retries by reason, and retries the budget refused",
    [
      { expr: `sum by (reason) (rate(gateway_retries_total{${G}}${R}))`, legend: "{{reason}}" },
      {
        expr: `sum(rate(gateway_retry_budget_exhausted_total{${G}}${R}))`,
        legend: "budget exhausted",
      },
    ],
    { unit: "reqps" },
  ),
  timeseries(
    "Served elsewhere, by reason (share of requests)",
    [
      {
        expr: `sum by (reason) (rate(gateway_served_elsewhere_total{${G}}${R})) / scalar(sum(rate(gateway_requests_total{${G}}${R})))`,
        legend: "{{reason}}",
      },
    ],
    { unit: "percentunit", min: 0 },
  ),
  timeseries("Spill ratio and panic for a location-unknown client", [
    { expr: `max by (service) (gateway_spill_ratio{${G}})`, legend: "{{service}} spill ratio" },
    { expr: `max by (service) (gateway_panic{${G}})`, legend: "{{service}} panic" },
  ]),
];

const sites: PanelSpec[] = [
  stateTimeline(
    "Site state as this gateway sees it",
    [{ expr: worstStateExpr(`${G},`), legend: "{{site}}" }],
    {
      w: 24,
      h: 9,
      mappings: STATE_MAPPINGS,
    },
  ),
  timeseries(
    "Site health",
    [{ expr: `max by (site) (gateway_site_health{${G}})`, legend: "{{site}}" }],
    { unit: "percentunit", min: 0, max: 1 },
  ),
  timeseries(
    "Measured RTT to each site",
    [{ expr: `max by (site) (gateway_site_rtt_seconds{${G}})`, legend: "{{site}}" }],
    { unit: "s" },
  ),
  table("Breakers not closed", [{ expr: `max by (scope, id) (gateway_breaker_state{${G}}) > 0` }], {
    mappings: valueText([
      [1, "half-open", "orange"],
      [2, "open", "red"],
    ]),
  }),
  timeseries("Consul: answer age and errors in a row, per site", [
    { expr: `max by (site) (gateway_consul_answer_age_seconds{${G}})`, legend: "{{site}} age s" },
    { expr: `max by (site) (gateway_consul_errors{${G}})`, legend: "{{site}} errors" },
  ]),
  timeseries("Control plane: readable, age of last good answer", [
    { expr: `min(gateway_fleet_control_plane_readable{${G}})`, legend: "readable" },
    { expr: `max(gateway_fleet_control_plane_age_seconds{${G}})`, legend: "age s" },
  ]),
  timeseries(
    "Certificates: time to expiry",
    [
      {
        expr: `min by (certificate, key_type) (gateway_tls_certificate_expiry_timestamp_seconds{${G}}) - time()`,
        legend: "{{certificate}} {{key_type}}",
      },
    ],
    {
      unit: "s",
      thresholds: [
        [Number.NaN, "red"],
        [3 * 86400, "orange"],
        [14 * 86400, "green"],
      ],
    },
  ),
];

const process: PanelSpec[] = [
  timeseries("CPU (cores)", [
    {
      expr: `sum by (instance) (rate(process_cpu_seconds_total{${G}}${R}))`,
      legend: "{{instance}}",
    },
  ]),
  timeseries(
    "Resident memory",
    [{ expr: `sum by (instance) (process_resident_memory_bytes{${G}})`, legend: "{{instance}}" }],
    { unit: "bytes" },
  ),
  timeseries(
    "Event-loop lag p99",
    [
      {
        expr: `max by (instance) (nodejs_eventloop_lag_p99_seconds{${G}})`,
        legend: "{{instance}}",
      },
    ],
    { unit: "s" },
  ),
  timeseries(
    "Heap used",
    [{ expr: `sum by (instance) (nodejs_heap_size_used_bytes{${G}})`, legend: "{{instance}}" }],
    { unit: "bytes" },
  ),
];

export const GATEWAY: DashboardSpec = {
  uid: "gateway-instance",
  title: "Gateway drill-down",
  description:
    "One gateway: what it serves and where, errors, latency, tries, its view of every site, its process.",
  variables: [
    { name: "ingress", label: "Site (ingress)", query: 'label_values(up{job="gateway"}, ingress)' },
    {
      name: "instance",
      label: "Instance",
      query: 'label_values(up{job="gateway",ingress="$ingress"}, instance)',
      multi: true,
    },
  ],
  rows: [
    ["Now", health],
    ["Traffic", traffic],
    ["Sites as this gateway sees them", sites],
    ["Process", process],
  ],
  links: [{ title: "Gateway fleet", url: "/d/gateway-fleet" }],
};

export const gatewayDashboard = () => dashboard(GATEWAY);
