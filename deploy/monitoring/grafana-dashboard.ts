/**
 * A Grafana dashboard in the classic JSON model at schemaVersion 41 (Grafana 11.6 and 12):
 * its variables (the Prometheus data source first, then label_values queries), its links, and
 * its panels laid out in rows on the 24-column grid.
 */
import { DATASOURCE, type PanelSpec, SCHEMA_VERSION } from "./grafana-panels.ts";

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
