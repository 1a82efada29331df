/**
 * The central monitoring checked as ops would before shipping it: the Prometheus
 * configuration follows the sites' env files, promtool accepts the configuration and the
 * rules, the rules' unit tests pass, every alert is documented and tested both ways, and every
 * rule keeps to the metric contract. The promtool checks skip, saying why, where it is absent.
 */
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parse, stringify } from "yaml";
import { staleMonitoringFiles } from "./monitoring-files.ts";
import { fleetDatacentersRules, fleetSites, METRICS_SERVICE } from "./prometheus-config.ts";
import { contractViolations } from "./promql-facts.ts";
import { promtool, promtoolHasConsulSd, promtoolMissing } from "./promtool.ts";
import { alertCases, recordedSeries, ruleFiles, rulesOf } from "./rule-files.ts";

const HERE = new URL("./", import.meta.url).pathname;
const DEPLOY = new URL("../", import.meta.url).pathname;

interface ScrapeConfig {
  job_name: string;
  consul_sd_configs?: { datacenter: string; services: string[] }[];
  relabel_configs?: { target_label?: string }[];
  static_configs?: unknown[];
}
const config = () =>
  parse(readFileSync(join(HERE, "prometheus.yml"), "utf8")) as { scrape_configs: ScrapeConfig[] };

test("the generated files (Prometheus config, expected datacenters, dashboards) are current", () => {
  assert.deepEqual(staleMonitoringFiles(), [], "run: node deploy/monitoring/monitoring-files.ts");
});

test("Prometheus looks for the metrics proxy in each site's datacenter once, and labels it ingress", () => {
  const sites = fleetSites();
  assert.equal(sites.length, 16);
  const gateway = config().scrape_configs.find((c) => c.job_name === "gateway");
  assert.deepEqual(
    gateway?.consul_sd_configs?.map((c) => c.datacenter),
    sites.map((s) => s.datacenter),
  );
  for (const sd of gateway?.consul_sd_configs ?? [])
    assert.deepEqual(sd.services, [METRICS_SERVICE]);
  const registration = readFileSync(join(DEPLOY, "consul/gateway-metrics.json.tmpl"), "utf8");
  assert.match(registration, new RegExp(`"name": "${METRICS_SERVICE}"`));
  const targets = gateway?.relabel_configs?.map((r) => r.target_label);
  assert.ok(targets?.includes("ingress") && targets.includes("datacenter"), String(targets));
  assert.ok(!targets?.includes("site"), "a target label site would rename the serving site");
  assert.equal(
    readFileSync(join(HERE, "rules/fleet-datacenters.yml"), "utf8"),
    fleetDatacentersRules(sites),
  );
});

/**
 * The configuration as this promtool can check it: unchanged where it knows Consul SD; else
 * each Consul block stands replaced by a static target, so everything else is still checked.
 */
function checkableConfig(folder: string, withConsul: boolean): string {
  cpSync(join(HERE, "rules"), join(folder, "rules"), { recursive: true });
  const file = join(folder, "prometheus.yml");
  const parsed = config();
  if (!withConsul)
    for (const scrape of parsed.scrape_configs)
      if (scrape.consul_sd_configs) {
        delete scrape.consul_sd_configs;
        scrape.static_configs = [{ targets: ["192.0.2.1:9091"] }];
      }
  writeFileSync(
    file,
    withConsul ? readFileSync(join(HERE, "prometheus.yml"), "utf8") : stringify(parsed),
  );
  return file;
}

test("promtool check config accepts the Prometheus configuration", (t) => {
  const missing = promtoolMissing();
  if (missing) return t.skip(missing);
  const withConsul = promtoolHasConsulSd();
  if (!withConsul)
    t.diagnostic(
      "this promtool is built without Consul SD (Debian 12): Consul blocks checked as static targets",
    );
  const folder = mkdtempSync(join(tmpdir(), "prometheus-config-"));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const result = promtool(["check", "config", checkableConfig(folder, withConsul)]);
  assert.equal(result.status, 0, result.output);
  assert.match(result.output, /SUCCESS: 3 rule files found/);
});

test("promtool check rules accepts every rule file", (t) => {
  const missing = promtoolMissing();
  if (missing) return t.skip(missing);
  const result = promtool(["check", "rules", ...ruleFiles()]);
  assert.equal(result.status, 0, result.output);
});

test("promtool test rules: the unit tests with synthetic series pass", (t) => {
  const missing = promtoolMissing();
  if (missing) return t.skip(missing);
  const files = alertCases().map((c) => c.testFile);
  const result = promtool(["test", "rules", ...new Set(files)], join(HERE, "tests"));
  assert.equal(result.status, 0, result.output);
  assert.doesNotMatch(result.output, /FAILED/);
});

/** GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces as "-". */
const anchor = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replaceAll(" ", "-");

test("every alert has a for, a severity, a summary, a description and a runbook section", () => {
  const readme = readFileSync(join(DEPLOY, "README.md"), "utf8");
  const anchors = new Set([...readme.matchAll(/^#+ (.+)$/gm)].map((m) => anchor(m[1] ?? "")));
  const alerts = rulesOf().filter((r) => r.alert);
  assert.ok(alerts.length >= 15, `${alerts.length} alerts`);
  for (const rule of alerts) {
    assert.match(rule.for ?? "", /^\d+[smh]$/, `${rule.alert}: for`);
    assert.ok(
      ["critical", "warning"].includes(rule.labels?.severity ?? ""),
      `${rule.alert}: severity`,
    );
    assert.ok(
      rule.annotations?.summary && rule.annotations.description,
      `${rule.alert}: annotations`,
    );
    const [path, section] = (rule.annotations?.runbook_url ?? "").split("#");
    assert.equal(path, "deploy/README.md", `${rule.alert}: runbook_url`);
    assert.ok(
      anchors.has(section ?? ""),
      `${rule.alert}: no section #${section} in deploy/README.md`,
    );
  }
});

test("every alert has a unit test where it fires and one where it does not", () => {
  const cases = alertCases();
  for (const rule of rulesOf().filter((r) => r.alert)) {
    const mine = cases.filter((c) => c.alertname === rule.alert);
    assert.ok(
      mine.some((c) => c.firing),
      `${rule.alert}: no case where it fires`,
    );
    assert.ok(
      mine.some((c) => !c.firing),
      `${rule.alert}: no case where it stays quiet`,
    );
  }
});

test("every rule names only series of the metric contract, with labels they carry", () => {
  const rules = rulesOf();
  const recorded = recordedSeries(rules);
  for (const rule of rules)
    assert.deepEqual(contractViolations(rule.expr, recorded), [], `${rule.record ?? rule.alert}`);
});
