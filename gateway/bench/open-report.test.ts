// The open-model rates from bare's closed-loop saturation, and the summary per target and rate.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { OpenMeasurement } from "./measure.ts";
import type { OpenLoadResult } from "./open-load.ts";
import { saturationRates, summariseOpen } from "./open-report.ts";
import type { Measurement } from "./report.ts";
import type { TargetName } from "./targets.ts";

function closed(target: TargetName, round: number, requestsPerSecond: number): Measurement {
  return {
    round,
    target,
    body: "small",
    load: { requests: 1, seconds: 1, requestsPerSecond, p50Ms: 1, p99Ms: 2, errors: 0, non2xx: 0 },
    cpuMicrosPerRequest: 50,
    upstreamCpuMicrosPerRequest: 15,
    rssMaxBytes: 1,
    rssTotalBytes: 1,
    processes: 1,
  };
}

test("each rate is its percentage of bare undici's median closed-loop rate, whole", () => {
  const runs = [
    closed("bare", 1, 16_000),
    closed("bare", 2, 15_001),
    closed("bare", 3, 17_000),
    closed("gateway", 1, 9_000),
  ];
  assert.deepEqual(saturationRates(runs, ["small"], [50, 80]), {
    small: { 50: 8_000, 80: 12_800 },
  });
});

test("the soak's rate can be a percentage of another target's own saturation (its median)", () => {
  const runs = [
    closed("bare", 1, 16_000),
    closed("gateway", 1, 9_000),
    closed("gateway", 2, 7_000),
  ];
  assert.deepEqual(saturationRates(runs, ["small"], [50], "gateway"), { small: { 50: 4_000 } });
});

test("without a bare undici run for a body there is no rate for it", () => {
  assert.deepEqual(saturationRates([closed("gateway", 1, 9_000)], ["small"], [50]), {});
});

function open(round: number, p99Ms: number, dropped: number, lateMaxMs: number): OpenMeasurement {
  const load = { p50Ms: 1, p99Ms, p999Ms: p99Ms, dropped, errors: 0, non2xx: 0 };
  return {
    round,
    target: "gateway",
    body: "small",
    ratePercent: 50,
    load: { ...load, sendLagMaxMs: lateMaxMs } as OpenLoadResult,
    cpuMicrosPerRequest: 100 + round,
    upstreamCpuMicrosPerRequest: 15,
    rssMaxBytes: round * 1024 * 1024,
    rssTotalBytes: round * 1024 * 1024,
    processes: 2,
  };
}

test("a summary takes medians per round, sums what was lost and keeps the worst lateness", () => {
  const [summary, ...others] = summariseOpen([
    open(1, 3, 0, 4),
    open(2, Number.POSITIVE_INFINITY, 700, 90),
    open(3, 5, 2, 6),
  ]);
  assert.equal(others.length, 0);
  assert.equal(summary?.rounds, 3);
  assert.equal(summary?.p99Ms, 5);
  assert.equal(summary?.cpuMicrosPerRequest, 102);
  assert.equal(summary?.dropped, 702);
  assert.equal(summary?.sendLagMaxMs, 90);
  assert.equal(summary?.rssMaxMB, 3);
});
