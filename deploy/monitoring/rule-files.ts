/**
 * The rule files of this folder, read as data: every recording and alerting rule with its
 * group, and the promtool unit tests with the alerts each case expects at each time.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { recordedLabels } from "./promql-facts.ts";

const HERE = new URL("./", import.meta.url).pathname;

export interface Rule {
  readonly file: string;
  readonly group: string;
  readonly record?: string;
  readonly alert?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

export const ruleFiles = (folder = "rules") =>
  readdirSync(join(HERE, folder))
    .filter((f) => f.endsWith(".yml"))
    .map((f) => join(HERE, folder, f));

export function rulesOf(files = ruleFiles()): Rule[] {
  return files.flatMap((file) => {
    const { groups } = parse(readFileSync(file, "utf8")) as {
      groups: { name: string; rules: Omit<Rule, "file" | "group">[] }[];
    };
    return groups.flatMap((g) => g.rules.map((rule) => ({ ...rule, file, group: g.name })));
  });
}

/** Every recorded series name with the labels it carries. */
export function recordedSeries(rules: readonly Rule[]): Map<string, string[]> {
  const recorded = new Map<string, string[]>();
  for (const rule of rules)
    if (rule.record)
      recorded.set(rule.record, recordedLabels(rule.record, Object.keys(rule.labels ?? {})));
  return recorded;
}

export interface AlertCase {
  readonly testFile: string;
  readonly name: string;
  readonly alertname: string;
  readonly firing: boolean;
}

/** Every alert_rule_test of the promtool unit tests: which alert, and whether it fires. */
export function alertCases(folder = "tests"): AlertCase[] {
  return readdirSync(join(HERE, folder))
    .filter((f) => f.endsWith(".test.yml"))
    .flatMap((testFile) => {
      const { tests } = parse(readFileSync(join(HERE, folder, testFile), "utf8")) as {
        tests: { name: string; alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
      };
      return tests.flatMap((t) =>
        (t.alert_rule_test ?? []).map((c) => ({
          testFile,
          name: t.name,
          alertname: c.alertname,
          firing: c.exp_alerts.length > 0,
        })),
      );
    });
}
