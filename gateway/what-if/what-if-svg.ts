/**
 * A what-if run as one SVG: per scenario step, each site's utilisation (requests/s over its
 * usable capacity, a rule at 100 %), and the flows from the largest client groups to sites as
 * a heat map. Vega-Lite specs compiled by vega-lite and rendered by vega's headless View, the
 * stack loadtests/drill uses (no browser, no native addon); loaded only when an SVG is asked
 * for. Spec building is pure.
 */
import type { TopLevelSpec } from "vega-lite";
import type { Simulation } from "../../routing-tables/simulation.ts";

export interface StepResult {
  readonly step: string;
  readonly result: Simulation;
}

/** Client groups drawn per step: the largest by requests/s. */
const MAX_GROUPS_DRAWN = 40;
const WIDTH = 640;

function utilisationValues(steps: readonly StepResult[]) {
  return steps.flatMap(({ step, result }) =>
    result.sites.map((s) => ({
      step,
      site: `${s.site} ${s.name}`,
      state: s.state,
      rps: Math.round(s.rps * 10) / 10,
      usable: Math.round(s.usableRps * 10) / 10,
      // Drawn up to 300 %; the tooltip and the table have the true figure.
      utilisation: Math.min(3, s.utilisation ?? (s.rps > 0 ? 3 : 0)),
    })),
  );
}

function flowValues(steps: readonly StepResult[]) {
  return steps.flatMap(({ step, result }) => {
    const byGroup = new Map<string, number>();
    for (const f of result.flows) byGroup.set(f.group, (byGroup.get(f.group) ?? 0) + f.rps);
    const drawn = new Set(
      [...byGroup]
        .sort((a, b) => b[1] - a[1])
        .slice(0, MAX_GROUPS_DRAWN)
        .map(([g]) => g),
    );
    return result.flows
      .filter((f) => drawn.has(f.group))
      .map((f) => ({ step, group: f.group, site: f.site, kind: f.kind, rps: f.rps }));
  });
}

export function whatIfSpec(steps: readonly StepResult[]): TopLevelSpec {
  return {
    vconcat: [
      {
        title: "Site utilisation: requests/s over usable capacity (rule at 100 %)",
        data: { values: utilisationValues(steps) },
        facet: { row: { field: "step", type: "nominal", title: null, sort: null } },
        spec: {
          width: WIDTH,
          layer: [
            {
              mark: "bar",
              encoding: {
                y: { field: "site", type: "nominal", sort: null, title: null },
                x: {
                  field: "utilisation",
                  type: "quantitative",
                  axis: { format: "%" },
                  title: "utilisation",
                },
                color: { field: "state", type: "nominal", scale: { scheme: "set2" } },
                tooltip: [{ field: "rps" }, { field: "usable" }],
              },
            },
            { mark: { type: "rule", color: "#c00" }, encoding: { x: { datum: 1 } } },
          ],
        },
      },
      {
        title: "Flows: requests/s from client groups (largest 40) to sites",
        data: { values: flowValues(steps) },
        facet: { row: { field: "step", type: "nominal", title: null, sort: null } },
        spec: {
          width: WIDTH,
          mark: "rect",
          encoding: {
            x: { field: "site", type: "nominal", title: "site" },
            y: { field: "group", type: "nominal", title: "client group" },
            color: {
              aggregate: "sum",
              field: "rps",
              type: "quantitative",
              title: "requests/s",
              legend: { format: ",.0f" },
            },
          },
        },
      },
    ],
  } as TopLevelSpec;
}

/** The spec rendered to SVG text; vega and vega-lite are imported on first use. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [{ parse, View }, { compile }] = await Promise.all([import("vega"), import("vega-lite")]);
  const view = new View(parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
