/**
 * The Grafana dashboards (grafana/*.json) read as Grafana would: the classic JSON model at
 * schemaVersion 41 (Grafana 11.6 and 12), panels on the 24-column grid, every query on the
 * dashboard's Prometheus variable, and every PromQL expression — panels and variables — naming
 * only series of the metric contract with labels they carry. With promtool, every expression
 * must also parse as Prometheus parses it: they are put in a throwaway rules file and checked.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { stringify } from "yaml";
import { DATASOURCE_UID, SCHEMA_VERSION } from "./grafana-panels.ts";
import { seriesLabels } from "./metric-contract.ts";
import { contractViolations } from "./promql-facts.ts";
import { promtool, promtoolMissing } from "./promtool.ts";

const GRAFANA = new URL("./grafana/", import.meta.url).pathname;

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid: string };
  targets?: { expr: string; datasource?: { uid: string } }[];
  panels?: Panel[];
}
interface Dashboard {
  uid: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { type: string; name: string; query: string | { query: string } }[] };
}

const dashboards = (): [string, Dashboard][] =>
  readdirSync(GRAFANA)
    .filter((f) => f.endsWith(".json"))
    .map((f) => [f, JSON.parse(readFileSync(join(GRAFANA, f), "utf8")) as Dashboard]);

const allPanels = (d: Dashboard) => d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);

/** Grafana's interval variables, replaced by a duration so the expression is plain PromQL. */
const plain = (expr: string) => expr.replace(/\$__(rate_interval|interval|range)\b/g, "5m");

/** Every PromQL expression of a dashboard with where it is: panel targets and variables. */
function expressions(d: Dashboard): [string, string][] {
  const fromPanels = allPanels(d).flatMap((p) =>
    (p.targets ?? []).map((t): [string, string] => [`${d.uid} "${p.title}"`, plain(t.expr)]),
  );
  const fromVariables = d.templating.list
    .filter((v) => v.type === "query")
    .map((v): [string, string] => {
      const query = typeof v.query === "string" ? v.query : v.query.query;
      const selector = /^label_values\((.+),\s*(\w+)\)$/.exec(query);
      assert.ok(selector, `${d.uid} $${v.name}: label_values(series, label)`);
      const [, series = "", label = ""] = selector;
      const name = /^\w+/.exec(series)?.[0] ?? "";
      assert.ok(
        seriesLabels(name)?.includes(label),
        `${d.uid} $${v.name}: ${name} has no ${label}`,
      );
      return [`${d.uid} $${v.name}`, series];
    });
  return [...fromPanels, ...fromVariables];
}

test("the dashboards are Grafana's classic model at schemaVersion 41, laid out on its grid", () => {
  const all = dashboards();
  assert.deepEqual(all.map(([file]) => file).sort(), [
    "gateway-fleet.json",
    "gateway-instance.json",
  ]);
  assert.equal(new Set(all.map(([, d]) => d.uid)).size, all.length, "unique uids");
  for (const [file, d] of all) {
    assert.equal(d.schemaVersion, SCHEMA_VERSION, file);
    assert.equal(`${d.uid}.json`, file);
    const panels = allPanels(d);
    assert.equal(new Set(panels.map((p) => p.id)).size, panels.length, `${file}: unique panel ids`);
    for (const { title, gridPos: g } of panels)
      assert.ok(
        g.x >= 0 && g.w > 0 && g.x + g.w <= 24 && g.h > 0,
        `${file} "${title}": ${JSON.stringify(g)}`,
      );
  }
});

test("every panel of the dashboards queries the dashboard's Prometheus variable", () => {
  for (const [file, d] of dashboards()) {
    assert.ok(d.templating.list.some((v) => v.type === "datasource" && v.name === "datasource"));
    for (const p of allPanels(d).filter((p) => p.type !== "row")) {
      assert.ok((p.targets ?? []).length > 0, `${file} "${p.title}": no query`);
      assert.equal(p.datasource?.uid, DATASOURCE_UID, `${file} "${p.title}"`);
      for (const t of p.targets ?? []) assert.equal(t.datasource?.uid, DATASOURCE_UID);
    }
  }
});

test("every dashboard expression names only series of the metric contract, with labels they carry", () => {
  const all = dashboards().flatMap(([, d]) => expressions(d));
  assert.ok(all.length > 40, `${all.length} expressions`);
  for (const [where, expr] of all)
    assert.deepEqual(contractViolations(expr), [], `${where}: ${expr}`);
});

test("with promtool, every dashboard expression parses as PromQL", (t) => {
  const missing = promtoolMissing();
  if (missing) return t.skip(missing);
  const folder = mkdtempSync(join(tmpdir(), "dashboard-exprs-"));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const all = dashboards().flatMap(([, d]) => expressions(d));
  const rules = all.map(([, expr], i) => ({ record: `dashboard:expression_${i}:check`, expr }));
  const file = join(folder, "dashboard-expressions.yml");
  writeFileSync(file, stringify({ groups: [{ name: "dashboard-expressions", rules }] }));
  const result = promtool(["check", "rules", file]);
  assert.equal(result.status, 0, result.output);
  assert.match(result.output, new RegExp(`SUCCESS: ${all.length} rules found`));
});
