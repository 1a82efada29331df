/**
 * What a PromQL expression names, read with Prometheus's own grammar (@prometheus-io/lezer-promql,
 * the parser of Prometheus's web UI): the series it selects with the labels it matches on,
 * the labels it groups or joins by, and whether it parses. The contract checks of the rules
 * and dashboards read these facts; `promtool check rules` remains the authority on parsing
 * where it is installed.
 */
import type { SyntaxNode } from "@lezer/common";
import { parser } from "@prometheus-io/lezer-promql";
import {
  isContractSeries,
  METRIC_CONTRACT,
  seriesLabels,
  TARGET_LABELS,
} from "./metric-contract.ts";

export interface Selector {
  /** The metric name, or "" for a selector without one. */
  readonly name: string;
  readonly labels: readonly string[];
}

export interface PromqlFacts {
  readonly selectors: readonly Selector[];
  /** Labels named in by, without, on, ignoring, group_left and group_right. */
  readonly groupingLabels: readonly string[];
  /** Offsets of the syntax errors the parser recovered from; empty when it parses. */
  readonly errorsAt: readonly number[];
}

const LABEL_NODES = new Set(["LabelName", "QuotedLabelName"]);

function labelsUnder(node: SyntaxNode, text: (n: SyntaxNode) => string): string[] {
  const labels: string[] = [];
  const cursor = node.cursor();
  do {
    if (LABEL_NODES.has(cursor.name)) labels.push(text(cursor.node).replace(/^"|"$/g, ""));
  } while (cursor.next() && cursor.from < node.to);
  return labels;
}

export function promqlFacts(expr: string): PromqlFacts {
  const text = (n: SyntaxNode) => expr.slice(n.from, n.to);
  const selectors: Selector[] = [];
  const groupingLabels: string[] = [];
  const errorsAt: number[] = [];
  parser.parse(expr).iterate({
    enter(ref) {
      if (ref.type.isError) errorsAt.push(ref.from);
      if (ref.name === "VectorSelector") {
        const name = ref.node.getChild("Identifier");
        const matchers = ref.node.getChild("LabelMatchers");
        selectors.push({
          name: name ? text(name) : "",
          labels: matchers ? labelsUnder(matchers, text) : [],
        });
        return false;
      }
      if (ref.name === "GroupingLabels") groupingLabels.push(...labelsUnder(ref.node, text));
      return undefined;
    },
  });
  return { selectors, groupingLabels, errorsAt };
}

/**
 * The labels of a recorded series, read from its name's level (`ingress_site:…` → ingress,
 * site: Prometheus's naming convention for recording rules) plus any labels the rule sets.
 */
export function recordedLabels(record: string, ruleLabels: readonly string[] = []): string[] {
  const level = record.split(":")[0] ?? "";
  return [...level.split("_").filter(Boolean), ...ruleLabels];
}

/**
 * Why `expr` breaks the metric contract: a series it does not name, a label that series does
 * not carry, a grouping label no series carries, or a syntax error. `recorded` adds the
 * recording rules' series (name → labels). Empty when it keeps to the contract.
 */
export function contractViolations(
  expr: string,
  recorded: ReadonlyMap<string, readonly string[]> = new Map(),
): string[] {
  const facts = promqlFacts(expr);
  const problems = facts.errorsAt.map((at) => `syntax error at ${at}`);
  const known = new Set<string>([
    ...TARGET_LABELS,
    "le",
    ...Object.values(METRIC_CONTRACT).flatMap((spec) => spec.labels),
    ...[...recorded.values()].flat(),
  ]);
  for (const selector of facts.selectors) {
    const allowed = recorded.get(selector.name) ?? seriesLabels(selector.name);
    if (!recorded.has(selector.name) && !isContractSeries(selector.name)) {
      problems.push(`names ${selector.name || "no metric"}, not in the contract`);
      continue;
    }
    for (const label of selector.labels)
      if (allowed && !allowed.includes(label) && label !== "__name__")
        problems.push(`${selector.name} has no label ${label}`);
  }
  for (const label of facts.groupingLabels)
    if (!known.has(label)) problems.push(`groups by unknown label ${label}`);
  return problems;
}
