/**
 * The fleet dashboard's row on what keeps the gateways right: targets scraped, config and
 * GeoIP reloads refused, the control plane and Consul staleness, ops overrides, open breakers
 * and certificates.
 */
import { type PanelSpec, stat, timeseries } from "./grafana-panels.ts";

const R = "[$__rate_interval]";

export const CONTROL_PLANE_PANELS: PanelSpec[] = [
  stat("Gateways scraped", [{ expr: 'sum(up{job="gateway"})', instant: true }], {
    description: "Targets that answered their last scrape.",
  }),
  stat(
    "Gateways not scraped",
    [{ expr: 'count(up{job="gateway"} == 0) or vector(0)', instant: true }],
    {
      thresholds: [
        [Number.NaN, "green"],
        [1, "red"],
      ],
    },
  ),
  stat("Config refused", [{ expr: "sum(gateway_config_rejected) or vector(0)", instant: true }], {
    thresholds: [
      [Number.NaN, "green"],
      [1, "orange"],
    ],
  }),
  stat("GeoIP refused", [{ expr: "sum(gateway_geoip_rejected) or vector(0)", instant: true }], {
    thresholds: [
      [Number.NaN, "green"],
      [1, "orange"],
    ],
  }),
  stat(
    "Control plane unreadable",
    [{ expr: "count(gateway_fleet_control_plane_readable == 0) or vector(0)", instant: true }],
    {
      thresholds: [
        [Number.NaN, "green"],
        [1, "red"],
      ],
    },
  ),
  stat(
    "Certificates < 14 days",
    [
      {
        expr: "count(gateway_tls_certificate_expiry_timestamp_seconds - time() < 14 * 86400) or vector(0)",
        instant: true,
      },
    ],
    {
      thresholds: [
        [Number.NaN, "green"],
        [1, "orange"],
      ],
    },
  ),
  timeseries(
    "Open breakers per gateway",
    [
      {
        expr: 'count by (ingress) (gateway_breaker_state{scope="site"} == 2)',
        legend: "{{ingress}}",
      },
    ],
    { min: 0 },
  ),
  timeseries(
    "Staleness: control plane and Consul (oldest answer per gateway)",
    [
      {
        expr: "max by (ingress) (gateway_fleet_control_plane_age_seconds)",
        legend: "{{ingress}} control plane",
      },
      {
        expr: "max by (ingress) (gateway_consul_answer_age_seconds)",
        legend: "{{ingress}} Consul",
      },
    ],
    { unit: "s" },
  ),
  timeseries(
    "Ops overrides",
    [
      {
        expr: `sum by (site, action) (increase(gateway_ops_overrides_total${R}))`,
        legend: "{{action}} {{site}}",
      },
    ],
    { min: 0 },
  ),
  timeseries("Config and GeoIP reloads refused", [
    {
      expr: `sum by (ingress) (increase(gateway_config_rejected_total${R}))`,
      legend: "{{ingress}} config",
    },
    {
      expr: `sum by (ingress) (increase(gateway_geoip_reloads_rejected_total${R}))`,
      legend: "{{ingress}} GeoIP",
    },
  ]),
];
