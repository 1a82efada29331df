// Pure: Go duration syntax, as Consul's `wait`, `TTL` and `Interval` take it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseGoDuration } from "./duration.ts";

const CASES: [string, number | undefined][] = [
  ["100ms", 100],
  ["5s", 5_000],
  ["1m", 60_000],
  ["1m30s", 90_000],
  ["1.5h", 5_400_000],
  [".5s", 500],
  ["250us", 0.25],
  ["250µs", 0.25],
  ["1000000ns", 1],
  ["0", 0],
  ["-2s", -2_000],
  ["5", undefined],
  ["", undefined],
  ["s", undefined],
  ["5 s", undefined],
  ["5sec", undefined],
  ["1d", undefined],
];

for (const [text, expected] of CASES) {
  test(`"${text}" is ${expected === undefined ? "not a duration" : `${expected} ms`}`, () => {
    assert.equal(parseGoDuration(text), expected);
  });
}
