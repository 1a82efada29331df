/**
 * A small builder for Grafana dashboards in the classic JSON model (schemaVersion 41:
 * Grafana 11.6 and 12), so the dashboards of this folder are written as short lists of
 * panels and laid out on Grafana's 24-column grid here, not by hand. Every query goes to the
 * Prometheus chosen in the dashboard's `datasource` variable.
 */

export const SCHEMA_VERSION = 41;

/** Grafana's reference to the dashboard variable `datasource` (its syntax, not a JS template). */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana variable syntax
export const DATASOURCE_UID = "${datasource}";
const DATASOURCE = Object.freeze({ type: "prometheus", uid: DATASOURCE_UID });

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

/** Lays rows of panels out on the 24-column grid, numbering every panel. */
export function layout(rows: readonly (readonly [string, readonly PanelSpec[]])[]): unknown[] {
  const panels: unknown[] = [];
  let y = 0;
  let id = 1;
  for (const [title, specs] of rows) {
    panels.push({
      type: "row",
      title,
      id: id++,
      collapsed: false,
      gridPos: { h: 1, w: 24, x: 0, y },
      panels: [],
    });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const spec of specs) {
      if (x + spec.w > 24) {
        y += rowHeight;
        x = 0;
        rowHeight = 0;
      }
      panels.push({ ...spec.json, id: id++, gridPos: { h: spec.h, w: spec.w, x, y } });
      x += spec.w;
      rowHeight = Math.max(rowHeight, spec.h);
    }
    y += rowHeight;
  }
  return panels;
}

export interface Variable {
  readonly name: string;
  readonly label: string;
  /** A Prometheus variable query: label_values(series, label). */
  readonly query: string;
  readonly multi?: boolean;
}

export function templating(variables: readonly Variable[]) {
  return {
    list: [
      {
        type: "datasource",
        name: "datasource",
        label: "Prometheus",
        query: "prometheus",
        current: {},
        hide: 0,
        refresh: 1,
        regex: "",
        options: [],
      },
      ...variables.map((v) => ({
        type: "query",
        name: v.name,
        label: v.label,
        datasource: DATASOURCE,
        definition: v.query,
        query: { qryType: 1, query: v.query, refId: "PrometheusVariableQueryEditor-VariableQuery" },
        refresh: 2,
        sort: 1,
        multi: Boolean(v.multi),
        includeAll: Boolean(v.multi),
        ...(v.multi ? { allValue: ".*" } : {}),
        current: {},
        options: [],
        hide: 0,
        regex: "",
      })),
    ],
  };
}

export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly variables: readonly Variable[];
  readonly rows: readonly (readonly [string, readonly PanelSpec[]])[];
  readonly links?: readonly { title: string; url: string }[];
}

export function dashboard(spec: DashboardSpec) {
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: ["gateway", "multi-site"],
    schemaVersion: SCHEMA_VERSION,
    version: 1,
    editable: true,
    graphTooltip: 1,
    fiscalYearStartMonth: 0,
    liveNow: false,
    refresh: "30s",
    time: { from: "now-6h", to: "now" },
    timepicker: {},
    timezone: "utc",
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: "grafana", uid: "-- Grafana --" },
          enable: true,
          hide: true,
          iconColor: "rgba(0, 211, 255, 1)",
          name: "Annotations & Alerts",
          type: "dashboard",
        },
      ],
    },
    links: (spec.links ?? []).map((l) => ({
      type: "link",
      title: l.title,
      url: l.url,
      includeVars: false,
      keepTime: true,
      asDropdown: false,
      icon: "dashboard",
      tags: [],
      targetBlank: false,
      tooltip: "",
    })),
    templating: templating(spec.variables),
    panels: layout(spec.rows),
  };
}
