import assert from "node:assert/strict";
import { test } from "node:test";
import { createLatencyTracker, nextEwma, toMicros } from "./latency-tracker.ts";

test("the EWMA is seeded by the first sample, then weighs each new one by alpha", async (t) => {
  const cases: [string, number[], number, number][] = [
    ["one sample is the EWMA", [10], 0.3, 10],
    ["10 then 20 at 0.3: 0.3·20 + 0.7·10 = 13", [10, 20], 0.3, 13],
    ["then 30: 0.3·30 + 0.7·13 = 18.1", [10, 20, 30], 0.3, 18.1],
    ["alpha 1 keeps only the newest", [10, 20, 30], 1, 30],
    ["alpha 0.5 over 8, 4: 6", [8, 4], 0.5, 6],
  ];
  for (const [name, samples, alpha, expected] of cases) {
    await t.test(name, () => {
      const ewma = samples.reduce<number | undefined>((e, s) => nextEwma(e, s, alpha), undefined);
      assert.ok(Math.abs((ewma ?? Number.NaN) - expected) < 1e-9, `${ewma} ≈ ${expected}`);
    });
  }
});

test("latencies become histogram microseconds, clamped to 1 µs .. 60 s", async (t) => {
  const cases: [string, number, number][] = [
    ["12.3456 ms", 12.3456, 12_346],
    ["0 ms counts as 1 µs", 0, 1],
    ["two minutes is held at 60 s", 120_000, 60_000_000],
  ];
  for (const [name, ms, micros] of cases) {
    await t.test(name, () => assert.equal(toMicros(ms), micros));
  }
});

test("only sites with a successful probe have a measured RTT", () => {
  const tracker = createLatencyTracker({ ewmaAlpha: 0.3 });
  tracker.record({ siteId: "dar", ok: true, latencyMs: 10 });
  tracker.record({ siteId: "dar", ok: true, latencyMs: 20 });
  tracker.record({ siteId: "dar", ok: false, latencyMs: 1000 });
  tracker.record({ siteId: "znz", ok: false, latencyMs: 1000 });
  assert.deepEqual(tracker.measuredRttMs(), { dar: 13 });
  assert.equal(tracker.percentiles("znz"), undefined);
});

test("percentiles of 1..100 ms are 50, 90 and 99 ms within the histogram's 0.1 %", () => {
  const tracker = createLatencyTracker();
  for (let ms = 100; ms >= 1; ms--) tracker.record({ siteId: "bue", ok: true, latencyMs: ms });
  const p = tracker.percentiles("bue");
  assert.equal(p?.count, 100);
  for (const [got, want] of [
    [p?.p50Ms, 50],
    [p?.p90Ms, 90],
    [p?.p99Ms, 99],
  ] as const) {
    assert.ok(got !== undefined && Math.abs(got - want) <= want * 0.001, `${got} ≈ ${want}`);
  }
});

test("reset forgets a site, so the great-circle estimate stands for it again", () => {
  const tracker = createLatencyTracker();
  tracker.record({ siteId: "dar", ok: true, latencyMs: 10 });
  tracker.record({ siteId: "nbo", ok: true, latencyMs: 30 });
  tracker.reset("dar");
  assert.deepEqual(tracker.measuredRttMs(), { nbo: 30 });
  assert.equal(tracker.percentiles("dar"), undefined);
  tracker.record({ siteId: "dar", ok: true, latencyMs: 50 });
  assert.deepEqual(tracker.measuredRttMs(), { dar: 50, nbo: 30 });
});

test("an alpha outside (0, 1] is refused", () => {
  assert.throws(() => createLatencyTracker({ ewmaAlpha: 0 }), RangeError);
});
