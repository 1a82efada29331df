// Pure: when a request body has taken too long, as a table of progress against deadlines.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type BodyProgress, type BodyVerdict, bodyVerdict, checkEveryMs } from "./body-watch.ts";

const DEFAULTS = {
  bodyIdleTimeoutMs: 30_000,
  minBodyBytesPerSecond: 240,
  bodyRateGraceMs: 10_000,
  requestTimeoutMs: 300_000,
};

const at = (p: Partial<BodyProgress>): BodyProgress => ({
  bytes: 0,
  readingMs: 0,
  idleMs: 0,
  sinceHeadMs: 0,
  ...p,
});

const cases: readonly [string, BodyProgress, BodyVerdict, Partial<typeof DEFAULTS>?][] = [
  ["a body just begun is fine", at({}), undefined],
  [
    "a trickle (1 byte/s) is fine within the grace",
    at({ bytes: 9, readingMs: 9_000, sinceHeadMs: 9_000 }),
    undefined,
  ],
  [
    "a trickle (1 byte/s) is slow once the grace is over",
    at({ bytes: 10, readingMs: 10_000, sinceHeadMs: 10_000 }),
    "slow",
  ],
  [
    "240 bytes/s exactly is fine",
    at({ bytes: 2_400, readingMs: 10_000, sinceHeadMs: 10_000 }),
    undefined,
  ],
  [
    "a fast body stalled for the idle timeout is idle",
    at({ bytes: 1e9, readingMs: 40_000, idleMs: 30_000, sinceHeadMs: 40_000 }),
    "idle",
  ],
  [
    "a pause just under the idle timeout is fine",
    at({ bytes: 1e9, readingMs: 40_000, idleMs: 29_999, sinceHeadMs: 40_000 }),
    undefined,
  ],
  [
    "time not reading does not count toward the rate",
    at({ bytes: 100, readingMs: 1_000, sinceHeadMs: 60_000 }),
    undefined,
  ],
  [
    "the whole request over requestTimeoutMs is total, whatever the rate",
    at({ bytes: 1e12, readingMs: 300_000, sinceHeadMs: 300_000 }),
    "total",
  ],
  [
    "with the rate check off a trickle only meets the idle and total deadlines",
    at({ bytes: 1, readingMs: 60_000, idleMs: 1_000, sinceHeadMs: 60_000 }),
    undefined,
    { minBodyBytesPerSecond: 0 },
  ],
];

for (const [name, progress, expected, override] of cases) {
  test(`${name}: ${expected ?? "no verdict"}`, () => {
    assert.equal(bodyVerdict(progress, { ...DEFAULTS, ...override }), expected);
  });
}

test("the watch looks a tenth of the shortest deadline apart, within 50 ms and 1 s", () => {
  assert.equal(checkEveryMs(DEFAULTS), 1_000);
  assert.equal(checkEveryMs({ ...DEFAULTS, bodyRateGraceMs: 2_000 }), 200);
  assert.equal(checkEveryMs({ ...DEFAULTS, bodyIdleTimeoutMs: 100 }), 50);
});
