// The four goals' verdicts from paired runs: limits, pairing by round/body/rate, not measured.
import assert from "node:assert/strict";
import { test } from "node:test";
import { evaluateGoals, type GoalInput, type GoalRow } from "./goals.ts";
import type { OpenMeasurement } from "./measure.ts";
import type { OpenLoadResult } from "./open-load.ts";
import type { Measurement } from "./report.ts";
import { fitSlope } from "./rss-slope.ts";
import type { TargetName } from "./targets.ts";

const MB = 1024 * 1024;

function closed(target: TargetName, round: number, cpu: number): Measurement {
  const load = {
    requests: 1,
    seconds: 1,
    requestsPerSecond: 1,
    p50Ms: 1,
    p99Ms: 2,
    errors: 0,
    non2xx: 0,
  };
  return { round, target, body: "small", load, ...cost(cpu, 100) };
}

function cost(cpu: number, rssTotalMB: number, rssMaxMB = rssTotalMB) {
  return {
    cpuMicrosPerRequest: cpu,
    upstreamCpuMicrosPerRequest: 15,
    rssMaxBytes: rssMaxMB * MB,
    rssTotalBytes: rssTotalMB * MB,
    processes: rssMaxMB === rssTotalMB ? 1 : 2,
  };
}

interface OpenFigures {
  readonly round?: number;
  readonly percent?: number;
  readonly cpu: number;
  readonly p99Ms?: number;
  readonly rssTotalMB?: number;
  readonly rssMaxMB?: number;
  /** Of 10 000 scheduled requests, how many got no answer. */
  readonly lost?: number;
}

function open(target: TargetName, f: OpenFigures): OpenMeasurement {
  const answered = 10_000 - (f.lost ?? 0);
  const figures = { p50Ms: 1, p99Ms: f.p99Ms ?? 2, p999Ms: 5, scheduled: 10_000, answered };
  const load = figures as OpenLoadResult;
  const rss = f.rssTotalMB ?? 100;
  return {
    round: f.round ?? 1,
    target,
    body: "small",
    ratePercent: f.percent ?? 50,
    load,
    ...cost(f.cpu, rss, f.rssMaxMB ?? rss),
  };
}

function goals(input: Partial<GoalInput>): GoalRow[] {
  return evaluateGoals({ closed: [], open: [], bodies: ["small"], ...input });
}
const named = (rows: readonly GoalRow[], name: string) => {
  const found = rows.find((r) => r.name === name);
  assert.ok(found, `no goal row "${name}"`);
  return found;
};

test("the CPU goal is met up to 1.3× bare undici, the moonshot up to 1.1×", () => {
  const cases: [gateway: number, goal: string, moonshot: string][] = [
    [55, "MET", "MET"],
    [60, "MET", "MISSED"],
    [65, "MET", "MISSED"],
    [66, "MISSED", "MISSED"],
  ];
  for (const [gateway, goal, moonshot] of cases) {
    const rows = goals({ closed: [closed("bare", 1, 50), closed("gateway", 1, gateway)] });
    const name = "CPU/req gateway ÷ bare undici, closed loop";
    assert.equal(named(rows, name).verdict, goal, `${gateway} µs against 50`);
    assert.equal(named(rows, `${name}, moonshot`).verdict, moonshot, `${gateway} µs against 50`);
  }
});

test("open goals pair runs of the same round at 50 %, whatever the other rates show", () => {
  const rows = goals({
    open: [
      open("bare", { round: 1, cpu: 100 }),
      open("gateway", { round: 1, cpu: 120 }),
      open("bare", { round: 2, cpu: 50 }),
      open("gateway", { round: 2, cpu: 60 }),
      open("bare", { round: 1, percent: 80, cpu: 10 }),
      open("gateway", { round: 1, percent: 80, cpu: 100 }),
    ],
  });
  const cpu = named(rows, "CPU/req gateway ÷ bare undici, open 50 %");
  assert.ok(Math.abs(cpu.value - 1.2) < 1e-9);
  assert.equal(cpu.verdict, "MET");
});

test("the latency goal allows bare's p99 + 1 ms; an unheld rate misses, bare's says nothing", () => {
  const cases: [
    gateway: number,
    bare: number,
    gatewayLost: number,
    bareLost: number,
    verdict: string,
  ][] = [
    [3.0, 2.0, 0, 0, "MET"],
    [2.5, 2.0, 0, 0, "MET"],
    [3.1, 2.0, 0, 0, "MISSED"],
    [Number.POSITIVE_INFINITY, 2.0, 500, 0, "MISSED"],
    [2.5, Number.POSITIVE_INFINITY, 0, 500, "NOT MEASURED"],
    [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, 500, 500, "NOT MEASURED"],
  ];
  for (const [gateway, bare, gatewayLost, bareLost, verdict] of cases) {
    const rows = goals({
      open: [
        open("bare", { cpu: 50, p99Ms: bare, lost: bareLost }),
        open("gateway", { cpu: 60, p99Ms: gateway, lost: gatewayLost }),
      ],
    });
    const row = named(rows, "p99 gateway − bare undici, open 50 %");
    assert.equal(row.verdict, verdict, `gateway ${gateway} ms, bare ${bare} ms`);
  }
});

test("the workers goal sets 2 workers against 1 at the same rate, up to 1.05×", () => {
  const cases: [two: number, verdict: string][] = [
    [100, "MET"],
    [105, "MET"],
    [106, "MISSED"],
  ];
  for (const [two, verdict] of cases) {
    const rows = goals({
      open: [open("gateway", { cpu: 100 }), open("gateway-2w", { cpu: two })],
    });
    assert.equal(named(rows, "CPU/req 2 workers ÷ 1 worker, open 50 %").verdict, verdict);
  }
});

test("at equal load, a gateway that did not hold the rate misses, whatever its CPU per request", () => {
  const cases: [gatewayLost: number, bareLost: number, verdict: string, detail: RegExp][] = [
    [0, 0, "MET", /gateway 55\.0 µs\/req, bare 50\.0 µs\/req/],
    [99, 0, "MET", /gateway 55\.0/],
    [101, 0, "MISSED", /of 1 rounds, gateway did not hold the rate in 1 \(counted as ∞\)/],
    [0, 101, "NOT MEASURED", /bare did not hold the rate in any round/],
  ];
  for (const [gatewayLost, bareLost, verdict, detail] of cases) {
    const rows = goals({
      open: [
        open("bare", { cpu: 50, lost: bareLost }),
        open("gateway", { cpu: 55, lost: gatewayLost }),
      ],
    });
    const row = named(rows, "CPU/req gateway ÷ bare undici, open 50 %");
    assert.equal(row.verdict, verdict, `gateway lost ${gatewayLost}, bare ${bareLost}`);
    assert.match(row.detail, detail);
  }
});

test("the memory goal judges the process tree's total; the largest process is only shown", () => {
  const rows = goals({
    open: [
      open("bare", { cpu: 50, rssTotalMB: 200 }),
      open("gateway-deployed", { cpu: 60, rssTotalMB: 300, rssMaxMB: 180 }),
    ],
  });
  const tree = named(rows, "RSS as deployed ÷ bare undici, open 50 %, process tree");
  assert.ok(Math.abs(tree.value - 1.5) < 1e-9);
  assert.equal(tree.verdict, "MISSED");
  const largest = named(rows, "RSS as deployed ÷ bare undici, open 50 %, largest process");
  assert.ok(Math.abs(largest.value - 0.9) < 1e-9);
  assert.equal(largest.verdict, undefined);
});

test("a goal whose targets or mode did not run is not measured, and says what it needs", () => {
  const rows = goals({ closed: [closed("bare", 1, 50), closed("gateway", 1, 60)] });
  const judged = rows.filter((r) => r.verdict !== undefined);
  const notMeasured = judged.filter((r) => r.verdict === "NOT MEASURED").map((r) => r.goal);
  assert.deepEqual([...new Set(notMeasured)], [1, 2, 3, 4]);
  const workers = named(rows, "CPU/req 2 workers ÷ 1 worker, open 50 %");
  assert.match(workers.detail, /gateway-2w and gateway in --only and --mode open/);
  assert.match(named(rows, "RSS slope over the soak, process tree").detail, /--soak/);
});

test("the soak goal is met when the RSS line stays within its noise", () => {
  const wave = (i: number) => (i % 2 === 0 ? 10 : -10);
  const points = (slope: number) =>
    Array.from({ length: 60 }, (_, i) => ({ minutes: i / 6, mb: 300 + slope * (i / 6) + wave(i) }));
  const soak = (slope: number) => ({
    target: "gateway-deployed" as const,
    ratePerS: 8_000,
    fit: fitSlope(points(slope)),
  });
  const row = (slope: number) =>
    named(goals({ soak: soak(slope) }), "RSS slope over the soak, process tree");
  assert.equal(row(0).verdict, "MET");
  assert.equal(row(0.5).verdict, "MET");
  assert.equal(row(5).verdict, "MISSED");
  assert.ok(Math.abs(row(5).value - 5) < 0.5);
});
