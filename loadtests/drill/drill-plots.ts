/**
 * The drill's plots as SVG: Vega-Lite specs compiled by vega-lite and rendered by vega's
 * headless View (`toSVG`), which needs no browser and no native addon (text widths are
 * estimated without node-canvas). Spec building is pure; `renderSvg` is the one I/O-free adapter.
 */
import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { OpsRecord } from "../runner/run-workload.ts";
import type { Bucket, CurvePoint } from "./timeline.ts";

const WIDTH = 760;
const HEIGHT = 300;

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Events as vertical rules, labelled, on a time axis in seconds. */
function eventLayers(ops: readonly OpsRecord[]) {
  // Events sent together share one rule: "revive znz gru; restore nrt".
  const grouped = new Map<number, Map<string, string[]>>();
  for (const r of ops) {
    const t = Math.round(r.sentMs / 100) / 10;
    const byAction = grouped.get(t) ?? new Map<string, string[]>();
    byAction.set(r.event.action, [...(byAction.get(r.event.action) ?? []), r.event.site]);
    grouped.set(t, byAction);
  }
  const values = [...grouped].map(([t, byAction]) => ({
    t,
    label: [...byAction].map(([action, sites]) => `${action} ${sites.join(" ")}`).join("; "),
  }));
  return [
    {
      data: { values },
      mark: { type: "rule", color: "#333", strokeDash: [4, 3] },
      encoding: { x: { field: "t", type: "quantitative" } },
    },
    {
      data: { values },
      mark: {
        type: "text",
        angle: 270,
        align: "right",
        baseline: "bottom",
        dx: -4,
        dy: -2,
        fontSize: 10,
      },
      encoding: {
        x: { field: "t", type: "quantitative" },
        y: { value: 4 },
        text: { field: "label" },
      },
    },
  ];
}

/** A step plot over the drill's seconds (`t`), the events drawn over it. */
function overTime(
  title: string,
  values: readonly object[],
  type: "area" | "line",
  encoding: { readonly y: object; readonly color: object },
  ops: readonly OpsRecord[],
): TopLevelSpec {
  return {
    title,
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        data: { values },
        mark: { type, interpolate: "step-after" },
        encoding: {
          x: { field: "t", type: "quantitative", title: "seconds since the drill started" },
          ...encoding,
        },
      },
      ...eventLayers(ops),
    ],
  } as TopLevelSpec;
}

export function shareSpec(buckets: readonly Bucket[], ops: readonly OpsRecord[]): TopLevelSpec {
  const values = buckets.flatMap((b) =>
    Object.entries(b.bySite).map(([site, count]) => ({
      t: b.atS,
      site,
      share: count / b.requests,
    })),
  );
  return overTime(
    "Share of requests by serving site (1 s buckets, by scheduled start)",
    values,
    "area",
    {
      y: {
        field: "share",
        type: "quantitative",
        stack: "normalize",
        title: "share",
        axis: { format: "%" },
      },
      color: { field: "site", type: "nominal", scale: { scheme: "category20" } },
    },
    ops,
  );
}

export function latencySpec(buckets: readonly Bucket[], ops: readonly OpsRecord[]): TopLevelSpec {
  const stats = ["p50", "p90", "p99", "max"] as const;
  const values = buckets
    .filter((b) => b.requests > 0)
    .flatMap((b) => stats.map((stat) => ({ t: b.atS, stat, ms: Math.max(0.1, b[stat]) })));
  return overTime(
    "Latency percentiles per second (from the scheduled start: corrected for coordinated omission)",
    values,
    "line",
    {
      y: { field: "ms", type: "quantitative", scale: { type: "log" }, title: "ms (log scale)" },
      color: { field: "stat", type: "nominal", sort: [...stats], title: "percentile" },
    },
    ops,
  );
}

/** HdrHistogram's percentile plot: x is 1 / (1 − p) on a log axis, labelled as percentiles. */
export function percentileCurveSpec(curve: readonly CurvePoint[]): TopLevelSpec {
  const values = curve
    .filter((p) => p.percentile < 100)
    .flatMap((p) => [
      {
        x: 1 / (1 - p.percentile / 100),
        series: "from scheduled start (corrected)",
        ms: p.correctedMs,
      },
      { x: 1 / (1 - p.percentile / 100), series: "from real send (uncorrected)", ms: p.serviceMs },
    ]);
  return {
    title: "Latency by percentile, whole drill (HDR histogram)",
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: "line", point: true },
    encoding: {
      x: {
        field: "x",
        type: "quantitative",
        scale: { type: "log" },
        title: "percentile",
        axis: {
          values: [1, 2, 10, 100, 1_000, 10_000, 100_000],
          labelExpr: "format(100 - 100 / datum.value, '.3~f') + '%'",
        },
      },
      y: { field: "ms", type: "quantitative", title: "ms" },
      color: { field: "series", type: "nominal", title: null, legend: { labelLimit: 300 } },
    },
  } as TopLevelSpec;
}
