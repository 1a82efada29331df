/**
 * The fleet dashboard: every site and every gateway on one screen. Per site: state, health,
 * traffic served, errors, latency, share; the flows from each ingress to each serving site
 * (spill-over shows as ingress → hub); the SLO; the control plane, config and breakers.
 * Queries use raw gateway metrics only (no recording rules), so the dashboard works on any
 * Prometheus that scrapes the gateways.
 */
import { CONTROL_PLANE_PANELS } from "./control-plane-panels.ts";
import { type DashboardSpec, dashboard } from "./grafana-dashboard.ts";
import { type PanelSpec, stateTimeline, table, timeseries } from "./grafana-panels.ts";
import { STATE_MAPPINGS, worstStateExpr } from "./site-state-panels.ts";
import { SLO_PANELS } from "./slo-panels.ts";

const S = 'service=~"$service"';
const R = "[$__rate_interval]";
const SITE = 'site=~"$site"';

const sites: PanelSpec[] = [
  stateTimeline(
    "Worst state any gateway sees",
    [{ expr: worstStateExpr(`${SITE},`), legend: "{{site}}" }],
    {
      w: 24,
      h: 9,
      mappings: STATE_MAPPINGS,
      description:
        "One line per site: the worst state among the gateways' views (disagreement shows in the table).",
    },
  ),
  timeseries(
    "Site health (mean over gateways)",
    [{ expr: `avg by (site) (gateway_site_health{${SITE}})`, legend: "{{site}}" }],
    {
      unit: "percentunit",
      min: 0,
      max: 1,
    },
  ),
  table(
    "Gateways per site and state (share)",
    [{ expr: `avg by (site, state) (gateway_site_state{${SITE}}) > 0` }],
    {
      unit: "percentunit",
      description:
        "Share of the gateways that see each site in each state; below 100 % the gateways disagree.",
    },
  ),
];

const traffic: PanelSpec[] = [
  timeseries(
    "Requests served per site",
    [
      {
        expr: `sum by (site) (rate(gateway_requests_total{${S},${SITE}}${R}))`,
        legend: "{{site}}",
      },
    ],
    { unit: "reqps" },
  ),
  timeseries(
    "Requests received per gateway (ingress)",
    [{ expr: `sum by (ingress) (rate(gateway_requests_total{${S}}${R}))`, legend: "{{ingress}}" }],
    { unit: "reqps" },
  ),
  timeseries(
    "Error ratio per serving site (5xx)",
    [
      {
        expr: `sum by (site) (rate(gateway_requests_total{${S},${SITE},status=~"5.."}${R})) / sum by (site) (rate(gateway_requests_total{${S},${SITE},status!="499"}${R}))`,
        legend: "{{site}}",
      },
    ],
    { unit: "percentunit", min: 0 },
  ),
  timeseries(
    "Errors by code",
    [
      {
        expr: `sum by (code) (rate(gateway_requests_total{${S},code!="ok"}${R}))`,
        legend: "{{code}}",
      },
    ],
    { unit: "reqps" },
  ),
  timeseries(
    "Latency per serving site (p50, p99)",
    [0.5, 0.99].map((q) => ({
      expr: `histogram_quantile(${q}, sum by (site, le) (rate(gateway_request_duration_seconds_bucket{${S},${SITE}}${R})))`,
      legend: `{{site}} p${q * 100}`,
    })),
    { unit: "s" },
  ),
  timeseries(
    "Upstream time to response head per site (p99)",
    [
      {
        expr: `histogram_quantile(0.99, sum by (site, le) (rate(gateway_upstream_try_duration_seconds_bucket{${SITE}}${R})))`,
        legend: "{{site}}",
      },
    ],
    { unit: "s" },
  ),
  timeseries(
    "Share of traffic per serving site",
    [
      {
        expr: `sum by (site) (rate(gateway_requests_total{${S}}${R})) / scalar(sum(rate(gateway_requests_total{${S}}${R})))`,
        legend: "{{site}}",
      },
    ],
    { unit: "percentunit", min: 0, max: 1 },
  ),
  timeseries(
    "RTT from each gateway to each site (mean)",
    [{ expr: `avg by (site) (gateway_site_rtt_seconds{${SITE}})`, legend: "{{site}}" }],
    { unit: "s" },
  ),
];

const flows: PanelSpec[] = [
  timeseries(
    "Served elsewhere, by reason (share of requests)",
    [
      {
        expr: `sum by (reason) (rate(gateway_served_elsewhere_total{${S}}${R})) / scalar(sum(rate(gateway_requests_total{${S}}${R})))`,
        legend: "{{reason}}",
      },
    ],
    {
      unit: "percentunit",
      min: 0,
      description:
        "Requests served by another site than their client's first choice: spill, failover, pin, residency, panic.",
    },
  ),
  timeseries(
    "Spill-over share per gateway",
    [
      {
        expr: `sum by (ingress) (rate(gateway_served_elsewhere_total{${S},reason="spill"}${R})) / sum by (ingress) (rate(gateway_requests_total{${S}}${R}))`,
        legend: "{{ingress}}",
      },
    ],
    {
      unit: "percentunit",
      min: 0,
      thresholds: [
        [Number.NaN, "green"],
        [0.2, "orange"],
      ],
    },
  ),
  table(
    "Flows: requests/s from each ingress (rows) to each serving site (columns)",
    [{ expr: `sum by (ingress, site) (rate(gateway_requests_total{${S}}[5m]))` }],
    {
      w: 24,
      h: 10,
      unit: "reqps",
      transformations: [
        {
          id: "groupingToMatrix",
          options: { rowField: "ingress", columnField: "site", valueField: "Value" },
        },
      ],
    },
  ),
  timeseries(
    "Refused by residency, per gateway",
    [
      {
        expr: `sum by (ingress) (rate(gateway_requests_total{${S},code="residency_blocked"}${R}))`,
        legend: "{{ingress}}",
      },
    ],
    { unit: "reqps" },
  ),
  timeseries(
    "Panic (served in panic, or the location-unknown gauge)",
    [
      {
        expr: `sum by (ingress, service) (rate(gateway_served_elsewhere_total{${S},reason="panic"}${R}))`,
        legend: "{{ingress}} {{service}} served",
      },
      {
        expr: `max by (ingress, service) (gateway_panic{${S}})`,
        legend: "{{ingress}} {{service}} gauge",
      },
    ],
    { min: 0 },
  ),
];

export const FLEET: DashboardSpec = {
  uid: "gateway-fleet",
  title: "Gateway fleet",
  description:
    "Every site and gateway of the multi-site gateway: state, traffic, flows, SLO, control plane.",
  variables: [
    {
      name: "service",
      label: "Service",
      query: "label_values(gateway_requests_total, service)",
      multi: true,
    },
    { name: "site", label: "Site", query: "label_values(gateway_site_state, site)", multi: true },
  ],
  rows: [
    ["Sites", sites],
    ["Traffic", traffic],
    ["Spill-over, failover and residency", flows],
    ["SLO: 99.9 % of requests not 5xx over 30 days", SLO_PANELS],
    ["Control plane, config, breakers, certificates", CONTROL_PLANE_PANELS],
  ],
  links: [{ title: "Gateway drill-down", url: "/d/gateway-instance" }],
};

export const fleetDashboard = () => dashboard(FLEET);
