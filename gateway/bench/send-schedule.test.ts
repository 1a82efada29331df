// The open-model schedule: when each send is due, how many are due, what a turn sends and drops.
import assert from "node:assert/strict";
import { test } from "node:test";
import { dueAtMs, dueBy, planTurn, sendsInRun } from "./send-schedule.ts";

test("sends are evenly spaced at the rate, the first at the start", () => {
  const cases: [index: number, ratePerS: number, ms: number][] = [
    [0, 1_000, 0],
    [1, 1_000, 1],
    [3, 8_000, 0.375],
    [8_000, 8_000, 1_000],
    [5, 3, 5_000 / 3],
  ];
  for (const [index, rate, ms] of cases)
    assert.ok(Math.abs(dueAtMs(index, rate) - ms) < 1e-9, `send ${index} at ${rate}/s`);
});

test("a run holds rate × seconds sends, whole", () => {
  assert.equal(sendsInRun(8_000, 5), 40_000);
  assert.equal(sendsInRun(7_957, 3), 23_871);
  assert.equal(sendsInRun(2.5, 3), 7);
  // 0.1 × 30 is 2.9999999999999996 in floating point: still 3 sends.
  assert.equal(sendsInRun(0.1, 30), 3);
});

test("the sends due by a time are those scheduled at or before it, never more than the run's", () => {
  const cases: [elapsedMs: number, ratePerS: number, total: number, due: number][] = [
    [-1, 1_000, 100, 0],
    [0, 1_000, 100, 1],
    [0.999, 1_000, 100, 1],
    [1, 1_000, 100, 2],
    [10.5, 1_000, 100, 11],
    [1_000, 1_000, 100, 100],
    [2.999_999, 3_000, 1_000, 9],
    [3, 3_000, 1_000, 10],
  ];
  for (const [elapsed, rate, total, due] of cases)
    assert.equal(dueBy(elapsed, rate, total), due, `${elapsed} ms at ${rate}/s`);
});

test("every send due is dueBy-counted exactly at its own scheduled time", () => {
  const rate = 7_919;
  for (let index = 0; index < 5_000; index += 37)
    assert.equal(dueBy(dueAtMs(index, rate), rate, 1e9), index + 1, `send ${index}`);
});

test("a turn sends what the free connections allow and drops the rest of what is due", () => {
  const cases: [next: number, due: number, free: number, send: number, drop: number][] = [
    [0, 0, 64, 0, 0],
    [10, 10, 64, 0, 0],
    [10, 13, 64, 3, 0],
    [10, 13, 2, 2, 1],
    [10, 13, 0, 0, 3],
    [0, 80_000, 64, 64, 79_936],
    [12, 10, 64, 0, 0],
  ];
  for (const [next, due, free, send, drop] of cases)
    assert.deepEqual(planTurn(next, due, free), { send, drop }, `${next}→${due} with ${free} free`);
});
