/**
 * Grafana panels for the dashboards of this folder (classic JSON model, schemaVersion 41:
 * Grafana 11.6 and 12), so a dashboard is written as short lists of panels, not by hand; the
 * dashboard around them is grafana-dashboard.ts. Every query goes to the Prometheus chosen in
 * the dashboard's `datasource` variable.
 */

export const SCHEMA_VERSION = 41;

/** Grafana's reference to the dashboard variable `datasource` (its syntax, not a JS template). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana variable syntax
export const DATASOURCE_UID = "${datasource}";
export const DATASOURCE = Object.freeze({ type: "prometheus", uid: DATASOURCE_UID });

export interface Query {
  readonly expr: string;
  readonly legend?: string;
  /** An instant query (tables, stats of "now"); a range query otherwise. */
  readonly instant?: boolean;
}

/** A panel before layout: its width and height in grid units, and the rest of its JSON. */
export interface PanelSpec {
  readonly w: number;
  readonly h: number;
  readonly json: Record<string, unknown>;
}

function targets(queries: readonly Query[], format?: string) {
  return queries.map((q, i) => ({
    refId: String.fromCharCode(65 + i),
    datasource: DATASOURCE,
    expr: q.expr,
    legendFormat: q.legend ?? "__auto",
    range: !q.instant,
    instant: Boolean(q.instant),
    ...(format ? { format } : {}),
  }));
}

interface PanelOptions {
  readonly unit?: string;
  readonly w?: number;
  readonly h?: number;
  readonly description?: string;
  readonly min?: number;
  readonly max?: number;
  readonly mappings?: unknown[];
  readonly thresholds?: readonly [number, string][];
}

function fieldConfig(o: PanelOptions, custom: Record<string, unknown> = {}) {
  const steps = (o.thresholds ?? [[Number.NaN, "green"]]).map(([value, color]) => ({
    color,
    value: Number.isNaN(value) ? null : value,
  }));
  return {
    defaults: {
      unit: o.unit ?? "short",
      ...(o.min === undefined ? {} : { min: o.min }),
      ...(o.max === undefined ? {} : { max: o.max }),
      mappings: o.mappings ?? [],
      thresholds: { mode: "absolute", steps },
      custom,
    },
    overrides: [],
  };
}

function panel(
  type: string,
  title: string,
  queries: readonly Query[],
  o: PanelOptions,
  extra: object,
) {
  return {
    w: o.w ?? 12,
    h: o.h ?? 8,
    json: {
      type,
      title,
      description: o.description ?? "",
      datasource: DATASOURCE,
      targets: targets(queries, type === "table" ? "table" : undefined),
      ...extra,
    },
  };
}

export function timeseries(
  title: string,
  queries: readonly Query[],
  o: PanelOptions = {},
): PanelSpec {
  return panel("timeseries", title, queries, o, {
    fieldConfig: fieldConfig(o, {
      drawStyle: "line",
      lineWidth: 1,
      fillOpacity: 10,
      showPoints: "never",
    }),
    options: {
      legend: {
        displayMode: "table",
        placement: "right",
        calcs: ["lastNotNull", "max"],
        showLegend: true,
      },
      tooltip: { mode: "multi", sort: "desc" },
    },
  });
}

export function stat(title: string, queries: readonly Query[], o: PanelOptions = {}): PanelSpec {
  return panel(
    "stat",
    title,
    queries,
    { w: 4, h: 4, ...o },
    {
      fieldConfig: fieldConfig(o),
      options: {
        reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false },
        colorMode: "background",
        graphMode: "none",
        textMode: "auto",
        orientation: "auto",
      },
    },
  );
}

export function table(
  title: string,
  queries: readonly Query[],
  o: PanelOptions & { transformations?: unknown[] } = {},
): PanelSpec {
  return panel(
    "table",
    title,
    queries.map((q) => ({ ...q, instant: true })),
    o,
    {
      fieldConfig: fieldConfig(o, { align: "auto", cellOptions: { type: "color-background" } }),
      options: {
        showHeader: true,
        cellHeight: "sm",
        footer: { show: false, reducer: ["sum"], fields: "" },
      },
      transformations: o.transformations ?? [],
    },
  );
}

export function stateTimeline(
  title: string,
  queries: readonly Query[],
  o: PanelOptions = {},
): PanelSpec {
  return panel("state-timeline", title, queries, o, {
    fieldConfig: fieldConfig(o, { fillOpacity: 80, lineWidth: 0 }),
    options: {
      showValue: "never",
      mergeValues: true,
      rowHeight: 0.9,
      alignValue: "left",
      legend: { displayMode: "list", placement: "bottom", showLegend: true },
      tooltip: { mode: "single", sort: "none" },
    },
  });
}

/** A value mapping from numbers to text and colour (state codes, breaker states). */
export function valueText(entries: readonly [number, string, string][]): unknown[] {
  const options = Object.fromEntries(
    entries.map(([value, text, color], index) => [String(value), { text, color, index }]),
  );
  return [{ type: "value", options }];
}
