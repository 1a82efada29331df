/**
 * The fleet dashboard's SLO row: 99.9 % of each service's requests not answered 5xx (499, the
 * client leaving, aside) over 30 days; availability, budget left and burn rates, from raw
 * request counters (rules/recording-rules.yml records the same ratios for the alerts).
 */
import { type PanelSpec, stat, timeseries } from "./grafana-panels.ts";

const S = 'service=~"$service"';

const BUDGET = 0.001;
const errorRatio = (window: string) =>
  `sum by (service) (rate(gateway_requests_total{${S},status=~"5.."}[${window}])) / sum by (service) (rate(gateway_requests_total{${S},status!="499"}[${window}]))`;

export const SLO_PANELS: PanelSpec[] = [
  stat(
    "Availability, 30 days (SLO 99.9 %)",
    [{ expr: `1 - (${errorRatio("30d")})`, legend: "{{service}}", instant: true }],
    {
      w: 8,
      unit: "percentunit",
      thresholds: [
        [Number.NaN, "red"],
        [0.999, "green"],
      ],
    },
  ),
  stat(
    "Error budget left, 30 days",
    [{ expr: `1 - (${errorRatio("30d")}) / ${BUDGET}`, legend: "{{service}}", instant: true }],
    {
      w: 8,
      unit: "percentunit",
      thresholds: [
        [Number.NaN, "red"],
        [0.25, "orange"],
        [0.5, "green"],
      ],
    },
  ),
  stat(
    "Burn rate, last hour",
    [{ expr: `(${errorRatio("1h")}) / ${BUDGET}`, legend: "{{service}}", instant: true }],
    {
      w: 8,
      thresholds: [
        [Number.NaN, "green"],
        [1, "orange"],
        [14.4, "red"],
      ],
    },
  ),
  timeseries(
    "Burn rate (1 h and 6 h windows; 1 spends the budget in exactly 30 days)",
    [
      { expr: `(${errorRatio("1h")}) / ${BUDGET}`, legend: "{{service}} 1h" },
      { expr: `(${errorRatio("6h")}) / ${BUDGET}`, legend: "{{service}} 6h" },
    ],
    { w: 24, min: 0 },
  ),
];
