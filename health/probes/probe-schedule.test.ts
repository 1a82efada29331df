import assert from "node:assert/strict";
import { test } from "node:test";
import { nextDelayMs, startOffsetMs } from "./probe-schedule.ts";

test("first probes are spread over one interval, one slot per target", async (t) => {
  const cases: [string, [number, number, number, number], number][] = [
    ["a lone target fires at its random point of the whole interval", [0, 1, 2000, 0.5], 1000],
    ["target 0 of 4 lands in the first quarter", [0, 4, 2000, 0.99], 495],
    ["target 3 of 4 lands in the last quarter", [3, 4, 2000, 0], 1500],
    ["target 49 of 50 at 2 s lands in the last 40 ms", [49, 50, 2000, 0.5], 1980],
    ["a random source that returns 1 stays inside the interval", [0, 1, 2000, 1], 2000],
    ["an index past the end is held to the last slot", [7, 4, 2000, 0], 1500],
    ["no targets: no offset", [0, 0, 2000, 0.5], 0],
  ];
  for (const [name, [index, count, intervalMs, r], expected] of cases) {
    await t.test(name, () => assert.equal(startOffsetMs(index, count, intervalMs, r), expected));
  }
});

test("fifty targets with the same draw never share a start time", () => {
  const offsets = Array.from({ length: 50 }, (_, i) => startOffsetMs(i, 50, 2000, 0.3));
  assert.equal(new Set(offsets).size, 50);
  assert.ok(offsets.every((ms) => ms >= 0 && ms < 2000));
});

test("the next probe waits the interval, jittered uniformly by ± jitterRatio", async (t) => {
  const cases: [string, [number, number, number], number][] = [
    ["a draw of 0.5 is the interval itself", [2000, 0.1, 0.5], 2000],
    ["a draw of 0 is the low end (-10 %)", [2000, 0.1, 0], 1800],
    ["a draw of 1 is the high end (+10 %)", [2000, 0.1, 1], 2200],
    ["a draw of 0.75 is halfway up (+5 %)", [2000, 0.1, 0.75], 2100],
    ["no jitter: always the interval", [2000, 0, 0.123], 2000],
    ["never below 1 ms", [1, 0.5, 0], 1],
    ["a broken random source (NaN) gives the interval", [2000, 0.1, Number.NaN], 2000],
  ];
  for (const [name, [intervalMs, jitterRatio, r], expected] of cases) {
    await t.test(name, () => assert.equal(nextDelayMs(intervalMs, jitterRatio, r), expected));
  }
});
