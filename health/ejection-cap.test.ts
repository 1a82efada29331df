import assert from "node:assert/strict";
import { test } from "node:test";
import { capPassive, mayEject, PASSIVE_FLOOR } from "./ejection-cap.ts";

const ejections: readonly [string, [number, number, number, number], boolean][] = [
  ["the first ejection anywhere is allowed whatever its size", [0, 1_000, 3_000, 10], true],
  [
    "a site's own further ejections are allowed while nothing is ejected elsewhere",
    [0, 3_000, 3_000, 10],
    true,
  ],
  [
    "a second site may lose capacity while the total stays within the cap",
    [100, 200, 3_000, 10],
    true,
  ],
  ["exactly at the cap is allowed", [150, 150, 3_000, 10], true],
  ["a second site may not lose capacity past the cap", [500, 500, 3_000, 10], false],
  ["a cap of 100 % allows every ejection", [2_000, 1_000, 3_000, 100], true],
  ["a cap of 0 % still allows the first, and nothing after it", [1, 1, 3_000, 0], false],
];

for (const [name, [elsewhere, after, total, percent], expected] of ejections) {
  test(`mayEject: ${name}`, () => {
    assert.equal(mayEject(elsewhere, after, total, percent), expected);
  });
}

const close = (actual: readonly number[], expected: readonly number[]) => {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => {
    assert.ok(Math.abs(a - (expected[i] as number)) < 1e-9, `[${i}] ${a} is not ${expected[i]}`);
  });
};

const caps: readonly [string, { capacity: number; fraction: number }[], number, number[]][] = [
  [
    "healthy readings pass unchanged",
    [
      { capacity: 100, fraction: 1 },
      { capacity: 100, fraction: 1 },
    ],
    10,
    [1, 1],
  ],
  [
    "one site's passive loss, however large, is allowed down to the floor (at least one)",
    [
      { capacity: 100, fraction: 0 },
      { capacity: 900, fraction: 1 },
    ],
    10,
    [PASSIVE_FLOOR, 1],
  ],
  [
    "a partial loss within the budget is kept as read",
    [
      { capacity: 100, fraction: 0.5 },
      { capacity: 900, fraction: 1 },
    ],
    10,
    [0.5, 1],
  ],
  // Every site reads 0 (a burst every site answers badly): each would lose 90 of 100, 360
  // in all; the budget is max(10 % of 400, the largest single loss 90) = 90, so each loses
  // a quarter of its 90.
  [
    "every site read down loses only its share of the budget",
    Array.from({ length: 4 }, () => ({ capacity: 100, fraction: 0 })),
    10,
    [1 - 22.5 / 100, 1 - 22.5 / 100, 1 - 22.5 / 100, 1 - 22.5 / 100],
  ],
  [
    "a cap of 100 % keeps every reading, floored",
    [
      { capacity: 100, fraction: 0 },
      { capacity: 100, fraction: 0.02 },
    ],
    100,
    [PASSIVE_FLOOR, PASSIVE_FLOOR],
  ],
];

for (const [name, readings, percent, expected] of caps) {
  test(`capPassive: ${name}`, () => {
    close(capPassive(readings, percent), expected);
  });
}
