import assert from "node:assert/strict";
import { test } from "node:test";
import { MAX_BUCKETS, RollingWindow } from "./rolling-window.ts";

/** HDR histograms at two significant digits: a reading is within 1 % of the sample. */
const near = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) <= expected * 0.01, `${actual} is not ${expected} ± 1 %`);

test("one second of 300 answers at 5 ms then 700 at 500 ms reads as a p99 of 500 ms, not 5 ms", () => {
  // Regression (issue 11): the window kept the first 256 samples of each 1 s bucket, so the
  // slow answers that came after them were never seen.
  const window = new RollingWindow(10_000);
  for (let i = 0; i < 300; i++) window.record(true, 5, 1_000 + i);
  for (let i = 0; i < 700; i++) window.record(true, 500, 1_300 + i / 2);
  const { total, failed, p99Ms } = window.read(1_999);
  assert.deepEqual([total, failed], [1_000, 0]);
  near(p99Ms, 500);
});

test("a p99 over many buckets counts every sample of every bucket", () => {
  const window = new RollingWindow(10_000);
  // 98 % fast over ten seconds, then 2 % slow in the last one: the p99 is the slow figure.
  for (let s = 0; s < 10; s++) for (let i = 0; i < 980; i++) window.record(true, 2, s * 1_000 + i);
  for (let i = 0; i < 200; i++) window.record(true, 800, 9_500);
  near(window.read(9_999).p99Ms, 800);
});

test("latency samples age out with their bucket", () => {
  const window = new RollingWindow(10_000);
  for (let i = 0; i < 50; i++) window.record(true, 900, 0);
  for (let i = 0; i < 50; i++) window.record(true, 3, 10_500);
  const { total, p99Ms } = window.read(10_500);
  assert.equal(total, 50);
  near(p99Ms, 3);
});

test("a window without latency samples reads NaN, and failures count without one", () => {
  const window = new RollingWindow(10_000);
  window.record(false, undefined, 0);
  const { total, failed, p99Ms } = window.read(0);
  assert.deepEqual([total, failed], [1, 1]);
  assert.ok(Number.isNaN(p99Ms));
});

test("latencies past the histogram's range are clamped to 60 s, not dropped", () => {
  const window = new RollingWindow(10_000);
  for (let i = 0; i < 10; i++) window.record(true, 3_600_000, 0);
  near(window.read(0).p99Ms, 60_000);
});

test("the bucket count is bounded: the window's memory cannot be sized by a setting", () => {
  assert.throws(() => new RollingWindow(10_000, MAX_BUCKETS + 1), RangeError);
  assert.throws(() => new RollingWindow(10_000, 0), RangeError);
});
