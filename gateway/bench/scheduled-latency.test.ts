// Percentiles from scheduled send times, on a real HDR histogram: unanswered requests rank last.
import assert from "node:assert/strict";
import { test } from "node:test";
import { build } from "hdr-histogram-js";
import { scheduledLatency, scheduledQuantileMs } from "./scheduled-latency.ts";

/** Answered requests with latencies 1, 2, … `count` ms (in µs, as the generator records). */
function latencies(count: number) {
  const histogram = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600e6,
    numberOfSignificantValueDigits: 3,
  });
  for (let ms = 1; ms <= count; ms++) histogram.recordValue(ms * 1_000);
  return (percentile: number) => histogram.getValueAtPercentile(percentile);
}

const near = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) <= expected * 0.002, `${actual} is not ${expected}`);

test("with every request answered, the percentiles are the histogram's", () => {
  const at = latencies(1_000);
  near(scheduledQuantileMs(at, 1_000, 0, 0.5), 500);
  near(scheduledQuantileMs(at, 1_000, 0, 0.99), 990);
  near(scheduledQuantileMs(at, 1_000, 0, 0.999), 999);
});

test("unanswered requests rank after every answered one, so the percentiles move up", () => {
  // 1 000 answered and 1 000 dropped: the median of the 2 000 scheduled is the slowest answer.
  near(scheduledQuantileMs(latencies(1_000), 1_000, 1_000, 0.5), 1_000);
  // 10 of 1 010 unanswered (1 %): p99 is the answered request of rank 999.9 of 1 000.
  near(scheduledQuantileMs(latencies(1_000), 1_000, 10, 0.99), 1_000);
});

test("a percentile that falls among the unanswered requests is infinite", () => {
  const cases: [answered: number, unanswered: number, quantile: number][] = [
    [1_000, 11, 0.99],
    [1_000, 2, 0.999],
    [0, 5, 0.5],
    [980, 20, 0.99],
  ];
  for (const [answered, unanswered, quantile] of cases)
    assert.equal(
      scheduledQuantileMs(latencies(Math.max(1, answered)), answered, unanswered, quantile),
      Number.POSITIVE_INFINITY,
      `${unanswered} unanswered of ${answered + unanswered} at ${quantile}`,
    );
});

test("nothing scheduled has no percentile", () => {
  assert.ok(Number.isNaN(scheduledQuantileMs(latencies(1), 0, 0, 0.5)));
});

test("the summary gives p50, p99 and p99.9 from the scheduled times and the slowest answer", () => {
  // 11 of 10 011 unanswered: p99 is rank 9 910.9, p99.9 rank 10 001 (an unanswered one).
  const summary = scheduledLatency(latencies(10_000), 10_000, 11);
  near(summary.p50Ms, 5_006);
  near(summary.p99Ms, 9_911);
  assert.equal(summary.p999Ms, Number.POSITIVE_INFINITY);
  near(summary.maxAnsweredMs, 10_000);
});
