import assert from "node:assert/strict";
import { test } from "node:test";
import { coordinateRttMs, datacenterRttMs } from "./coordinates.ts";

const at = (x: number, height = 0, adjustment = 0) => ({
  Vec: [x, 0, 0, 0, 0, 0, 0, 0],
  Height: height,
  Adjustment: adjustment,
});

for (const [name, a, b, expected] of [
  ["the distance between two vectors, in ms", at(0), at(0.03), 30],
  ["heights add to the distance", at(0, 0.001), at(0.01, 0.002), 13],
  ["adjustments add when the sum stays positive", at(0, 0, 0.002), at(0.01, 0, 0.003), 15],
  ["a negative adjusted sum falls back to the raw distance", at(0, 0, -0.02), at(0.01, 0, 0), 10],
] as const) {
  test(name, () =>
    assert.ok(
      Math.abs(coordinateRttMs(a, b) - expected) < 1e-9,
      `${coordinateRttMs(a, b)} is not ${expected}`,
    ),
  );
}

test("datacenter RTTs are the median over their servers' pairs", () => {
  const table = datacenterRttMs([
    {
      Datacenter: "bue",
      Coordinates: [
        { Node: "s1", Coord: at(0) },
        { Node: "s2", Coord: at(0.002) },
      ],
    },
    { Datacenter: "gru", Coordinates: [{ Node: "s3", Coord: at(0.03) }] },
  ]);
  assert.equal(table.bue?.gru, 29); // pairs 30 and 28 → median 29
  assert.equal(table.gru?.bue, 29);
  assert.equal(table.bue?.bue, 1); // pairs 0, 2, 2, 0 → median 1
});

test("a datacenter without coordinates has no RTT", () => {
  const table = datacenterRttMs([
    { Datacenter: "bue", Coordinates: [] },
    { Datacenter: "gru", Coordinates: [{ Node: "s", Coord: at(0) }] },
  ]);
  assert.equal(table.bue?.gru, undefined);
});
