import assert from "node:assert/strict";
import { test } from "node:test";
import { contractViolations, promqlFacts, recordedLabels } from "./promql-facts.ts";

test("a selector's metric name and matcher labels are read", () => {
  const facts = promqlFacts('rate(gateway_requests_total{status=~"5..",service="web"}[5m])');
  assert.deepEqual(facts.selectors, [
    { name: "gateway_requests_total", labels: ["status", "service"] },
  ]);
  assert.deepEqual(facts.errorsAt, []);
});

test("labels of by, on and group_left are read as grouping labels", () => {
  const facts = promqlFacts("sum by (ingress, reason) (a) / on (ingress) group_left (site) b");
  assert.deepEqual(facts.groupingLabels, ["ingress", "reason", "ingress", "site"]);
  assert.deepEqual(
    facts.selectors.map((s) => s.name),
    ["a", "b"],
  );
});

const cases: [string, string, RegExp | undefined][] = [
  [
    "a counter with its labels keeps to the contract",
    'sum by (site) (rate(gateway_requests_total{code="ok"}[5m]))',
    undefined,
  ],
  [
    "a histogram's buckets with le keep to the contract",
    "histogram_quantile(0.9, sum by (le, site) (rate(gateway_request_duration_seconds_bucket[5m])))",
    undefined,
  ],
  [
    "target labels are on every series",
    'up{job="gateway",ingress="dar",datacenter="dar",instance="x"}',
    undefined,
  ],
  [
    "prom-client's process metrics are open",
    'rate(process_cpu_seconds_total{anything="x"}[1m])',
    undefined,
  ],
  [
    "a histogram named without a suffix is no series",
    "rate(gateway_request_duration_seconds[5m])",
    /not in the contract/,
  ],
  [
    "a misspelt metric breaks the contract",
    "gateway_request_total",
    /gateway_request_total, not in the contract/,
  ],
  [
    "a label the metric does not carry breaks the contract",
    'gateway_site_health{state="down"}',
    /has no label state/,
  ],
  ["the target's site is ingress, not site", 'up{site="dar"}', /up has no label site/],
  [
    "grouping by a label no series carries breaks the contract",
    "sum by (sites) (gateway_site_health)",
    /unknown label sites/,
  ],
  ["a syntax error is reported", "sum(gateway_site_health", /syntax error/],
];

for (const [name, expr, problem] of cases)
  test(name, () => {
    const problems = contractViolations(expr);
    if (problem) assert.match(problems.join("; "), problem);
    else assert.deepEqual(problems, []);
  });

test("a recorded series carries its level's labels and those its rule sets", () => {
  assert.deepEqual(recordedLabels("ingress_site:gateway_requests:rate5m"), ["ingress", "site"]);
  assert.deepEqual(recordedLabels("datacenter:gateway_expected:const", ["ingress"]), [
    "datacenter",
    "ingress",
  ]);
  const recorded = new Map([["ingress_site:gateway_requests:rate5m", ["ingress", "site"]]]);
  assert.deepEqual(
    contractViolations('ingress_site:gateway_requests:rate5m{site="dar"}', recorded),
    [],
  );
  assert.match(
    contractViolations('ingress_site:gateway_requests:rate5m{code="ok"}', recorded).join(),
    /has no label code/,
  );
});
