import assert from "node:assert/strict";
import { test } from "node:test";
import { THRESHOLDS } from "../config/workloads.ts";
import {
  holds,
  matchesKey,
  parseExpression,
  parseMetricKey,
  ThresholdSyntaxError,
} from "./thresholds.ts";

test("a plain key has no tags and a sub-metric key lists its tags", () => {
  assert.deepEqual(parseMetricKey("http_req_failed"), { metric: "http_req_failed", tags: {} });
  assert.deepEqual(parseMetricKey("http_req_duration{region:dar-es-salaam,flow:api}"), {
    metric: "http_req_duration",
    tags: { region: "dar-es-salaam", flow: "api" },
  });
});

test("expressions read aggregation, operator and limit", () => {
  assert.deepEqual(parseExpression("p(99.9)<500"), { aggregation: "p(99.9)", op: "<", limit: 500 });
  assert.deepEqual(parseExpression("rate == 0"), { aggregation: "rate", op: "==", limit: 0 });
  assert.deepEqual(parseExpression("count>=10"), { aggregation: "count", op: ">=", limit: 10 });
});

test("a malformed key or expression is refused with a stable code and the text", () => {
  assert.throws(
    () => parseExpression("p99 < 500"),
    (e: ThresholdSyntaxError) => {
      return e.code === "threshold_syntax" && e.message.includes("p99 < 500");
    },
  );
  assert.throws(() => parseMetricKey("http_req_duration{region}"), ThresholdSyntaxError);
});

test("every threshold of the workloads parses", () => {
  for (const [key, expressions] of Object.entries(THRESHOLDS)) {
    parseMetricKey(key);
    for (const expression of expressions) parseExpression(expression);
  }
});

test("a sample matches a key when it carries every tag of it", () => {
  const key = parseMetricKey("http_req_failed{idempotent:true}");
  assert.equal(matchesKey(key, { idempotent: "true", region: "lima" }), true);
  assert.equal(matchesKey(key, { idempotent: "false" }), false);
  assert.equal(matchesKey(parseMetricKey("checks"), {}), true);
});

test("operators judge as written and a missing value reads 0", () => {
  const cases: [string, number | undefined, boolean][] = [
    ["p(99)<500", 499.9, true],
    ["p(99)<500", 500, false],
    ["rate<=0.01", 0.01, true],
    ["rate>0.99", 0.99, false],
    ["count==0", undefined, true],
    ["count===0", 1, false],
    ["value!=3", 4, true],
    ["rate>=1", 1, true],
  ];
  for (const [text, value, expected] of cases)
    assert.equal(holds(parseExpression(text), value), expected, `${text} with ${value}`);
});
