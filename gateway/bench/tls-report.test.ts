import assert from "node:assert/strict";
import { test } from "node:test";
import { parseH2load } from "./tls-load.ts";
import { figureOf, type TargetRuns, tlsGoals } from "./tls-report.ts";

test("h2load's summary line gives the requests that succeeded and failed", () => {
  const output = `finished in 2.01s, 19900.00 req/s, 2.10MB/s
requests: 40000 total, 40000 started, 40000 done, 39990 succeeded, 10 failed, 0 errored, 0 timeout`;
  assert.deepEqual(parseH2load(output), { succeeded: 39990, failed: 10 });
  assert.equal(parseH2load("connect: Connection refused"), undefined);
});

test("a figure is the median over rounds of CPU per unit and of units per second", () => {
  const figure = figureOf([
    { done: 100, failed: 0, cpuMicros: 10_000, seconds: 1 },
    { done: 100, failed: 1, cpuMicros: 30_000, seconds: 2 },
    { done: 100, failed: 0, cpuMicros: 20_000, seconds: 4 },
  ]);
  assert.deepEqual(figure, { cpuMicros: 200, perSecond: 50, failed: 1 });
  assert.equal(figureOf([{ done: 0, failed: 5, cpuMicros: 1, seconds: 1 }]), undefined);
});

/** One round's run costing `micros` per request. */
const r = (micros: number) => ({ done: 100, failed: 0, cpuMicros: micros * 100, seconds: 1 });
/** A target's runs over rounds: [plain, h1, h2] per round. */
const runs = (...rounds: [number, number, number][]): TargetRuns => ({
  "plain-h1": rounds.map(([plain]) => r(plain)),
  "tls-h1": rounds.map(([, h1]) => r(h1)),
  "tls-h2": rounds.map(([, , h2]) => r(h2)),
});

const rows: readonly [string, TargetRuns, TargetRuns | undefined, string[]][] = [
  [
    "TLS adding 13 µs where nginx adds 10 µs meets the 1.3× goal; h2 cheaper than h1 meets its",
    runs([70, 83, 60]),
    runs([20, 30, 25]),
    ["MET", "MET"],
  ],
  [
    "TLS adding 14 µs where nginx adds 10 µs misses it; h2 dearer than h1 misses its",
    runs([70, 84, 90]),
    runs([20, 30, 25]),
    ["MISSED", "MISSED"],
  ],
  [
    "rounds are compared paired: a slow round moves both sides of its difference alike",
    runs([70, 83, 80], [140, 153, 150], [70, 83, 80]),
    runs([20, 30, 25], [20, 30, 25], [20, 30, 25]),
    ["MET", "MET"],
  ],
  [
    "without nginx the TLS goal is not measured; the h2 goal still is",
    runs([70, 84, 60]),
    undefined,
    ["not measured", "MET"],
  ],
];

for (const [name, gw, ng, verdicts] of rows)
  test(name, () =>
    assert.deepEqual(
      tlsGoals(gw, ng).map((g) => g.verdict),
      verdicts,
    ),
  );
