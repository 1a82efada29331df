import assert from "node:assert/strict";
import { test } from "node:test";
import { rampedFraction, readSignal } from "./signals.ts";

const ERRORS = { degradedAbove: 0.05, downAbove: 0.5 };

for (const [name, value, wasTripped, fraction, tripped] of [
  ["an error ratio at the degraded threshold leaves the site whole", 0.05, false, 1, false],
  ["an error ratio half way to down leaves half the site", 0.275, false, 0.5, true],
  ["an error ratio at the down threshold is no site at all", 0.5, false, 0, true],
  [
    "a tripped signal under the threshold but over the recovery line stays tripped",
    0.045,
    true,
    1 - (0.045 - 0.04) / 0.46,
    true,
  ],
  ["a tripped signal clears only under threshold × recoverBelowFactor", 0.039, true, 1, false],
  ["a signal with no data (NaN) says nothing", Number.NaN, false, 1, false],
] as const) {
  test(name, () => {
    const reading = readSignal(value, ERRORS, wasTripped, 0.8);
    assert.ok(
      Math.abs(reading.fraction - fraction) < 1e-9,
      `${reading.fraction} is not ${fraction}`,
    );
    assert.equal(reading.tripped, tripped);
  });
}

for (const [name, previous, target, elapsed, expected] of [
  ["a fall is taken at once", 1, 0.2, 0, 0.2],
  ["a rise is limited to elapsed / rampUpMs", 0, 1, 3_000, 0.1],
  ["a rise never overshoots its target", 0.95, 1, 3_000, 1],
  ["no time passed, no rise", 0.5, 1, 0, 0.5],
] as const) {
  test(name, () => {
    assert.ok(Math.abs(rampedFraction(previous, target, elapsed, 30_000) - expected) < 1e-9);
  });
}

test("a ramp of 0 ms is no ramp", () => {
  assert.equal(rampedFraction(0, 1, 1, 0), 1);
});
