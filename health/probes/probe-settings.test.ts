import assert from "node:assert/strict";
import { test } from "node:test";
import {
  checkProbeSettings,
  DEFAULT_PROBE_SETTINGS,
  type ProbeSettings,
  resolveProbeSettings,
} from "./probe-settings.ts";

test("the defaults are the documented ones, and valid", () => {
  assert.deepEqual(DEFAULT_PROBE_SETTINGS, {
    intervalMs: 2000,
    jitterRatio: 0.1,
    timeoutMs: 1000,
    path: "/healthz",
    expectedStatus: { min: 200, max: 399 },
    ewmaAlpha: 0.3,
  });
  assert.deepEqual(checkProbeSettings(DEFAULT_PROBE_SETTINGS), []);
});

test("overrides replace defaults field by field; undefined keeps the default", () => {
  const settings = resolveProbeSettings({ intervalMs: 50, timeoutMs: undefined, path: "/ready" });
  assert.equal(settings.intervalMs, 50);
  assert.equal(settings.timeoutMs, 1000);
  assert.equal(settings.path, "/ready");
  assert.ok(Object.isFrozen(settings));
});

test("each problem is named by its field", async (t) => {
  const cases: [string, Partial<ProbeSettings>, string[]][] = [
    ["a list of codes and ranges is fine", { expectedStatus: [200, { min: 300, max: 304 }] }, []],
    ["an interval below 10 ms", { intervalMs: 5 }, ["intervalMs: expected an integer 10..3600000"]],
    ["a fractional timeout", { timeoutMs: 1.5 }, ["timeoutMs: expected an integer 1..600000"]],
    ["jitter above half", { jitterRatio: 0.6 }, ["jitterRatio: expected a number 0..0.5"]],
    [
      "a relative path",
      { path: "healthz" },
      ["path: expected a path starting with / and without spaces"],
    ],
    [
      "an empty status list",
      { expectedStatus: [] },
      ["expectedStatus: expected at least one status"],
    ],
    [
      "a range upside down",
      { expectedStatus: { min: 399, max: 200 } },
      ["expectedStatus: min is above max"],
    ],
    [
      "a code out of HTTP's range, in a list",
      { expectedStatus: [200, 700] },
      ["expectedStatus.1: expected an integer 100..599"],
    ],
    ["alpha of 0", { ewmaAlpha: 0 }, ["ewmaAlpha: expected a number above 0 and at most 1"]],
  ];
  for (const [name, overrides, expected] of cases) {
    await t.test(name, () =>
      assert.deepEqual(checkProbeSettings({ ...DEFAULT_PROBE_SETTINGS, ...overrides }), expected),
    );
  }
});

test("resolving bad settings throws with every problem listed", () => {
  assert.throws(
    () => resolveProbeSettings({ intervalMs: 0, ewmaAlpha: 2 }),
    (error: Error) =>
      error instanceof RangeError &&
      error.message.includes("intervalMs") &&
      error.message.includes("ewmaAlpha"),
  );
});
