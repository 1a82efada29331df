// The report's arithmetic: medians per (target, body), comparisons paired by round, goals.
import assert from "node:assert/strict";
import { test } from "node:test";
import { compare, type Measurement, median, summarise } from "./report.ts";
import type { TargetName } from "./targets.ts";

const MB = 1024 * 1024;

function run(target: TargetName, round: number, rps: number, cpu: number, p99 = 2): Measurement {
  return {
    round,
    target,
    body: "small",
    load: {
      requests: rps * 5,
      seconds: 5,
      requestsPerSecond: rps,
      p50Ms: 1,
      p99Ms: p99,
      errors: 0,
      non2xx: 0,
    },
    cpuMicrosPerRequest: cpu,
    upstreamCpuMicrosPerRequest: 15,
    rssMaxBytes: 100 * MB * round,
    rssTotalBytes: 100 * MB * round,
    processes: 1,
  };
}

test("the median of an even count is the mean of the middle two", () => {
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([3, 1, 2]), 2);
  assert.ok(Number.isNaN(median([])));
});

test("a summary takes the median of each figure and the largest RSS over the rounds", () => {
  const [summary] = summarise([
    run("bare", 1, 100, 30),
    run("bare", 2, 300, 10),
    run("bare", 3, 200, 20),
  ]);
  assert.equal(summary?.requestsPerSecond, 200);
  assert.equal(summary?.cpuMicrosPerRequest, 20);
  assert.equal(summary?.rssMaxMB, 300);
  assert.equal(summary?.rounds, 3);
});

test("comparisons pair each round's runs, then take the median of the per-round figures", () => {
  // Round 1 is slow for both (noise): paired, the ratio is the same every round.
  const runs = [
    run("bare", 1, 1_000, 50),
    run("gateway", 1, 500, 55),
    run("bare", 2, 2_000, 25),
    run("gateway", 2, 1_000, 27.5),
  ];
  const cpu = compare(runs, ["small"], summarise(runs)).find((c) =>
    c.name.startsWith("gateway CPU"),
  );
  assert.ok(cpu && Math.abs(cpu.value - 1.1) < 1e-9);
});

test("a latency comparison is a difference, a cost comparison a ratio", () => {
  const runs = [run("gateway", 1, 1_000, 40, 9), run("bare", 1, 1_000, 20, 2)];
  const byName = new Map(compare(runs, ["small"], summarise(runs)).map((c) => [c.name, c]));
  assert.equal(byName.get("gateway CPU/req ÷ bare undici CPU/req")?.value, 2);
  assert.equal(byName.get("gateway p99 − bare undici p99")?.value, 7);
  assert.equal(byName.get("gateway RSS, largest process")?.value, 100);
});

test("a comparison with a target that did not run is left out", () => {
  const runs = [run("gateway", 1, 1_000, 40)];
  const names = compare(runs, ["small"], summarise(runs)).map((c) => c.name);
  assert.deepEqual(names, ["gateway RSS, largest process"]);
});
