import assert from "node:assert/strict";
import { test } from "node:test";
import { arrivalOffsetsMs } from "./arrival-schedule.ts";

const round = (values: Iterable<number>) => [...values].map((v) => Math.round(v * 1_000) / 1_000);

test("a constant rate spaces iterations evenly from zero", () => {
  const offsets = round(arrivalOffsetsMs(10, [{ durationS: 1, targetPerS: 10 }]));
  assert.deepEqual(offsets, [0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
});

test("a linear ramp from zero places iteration i at the square root of its share", () => {
  // 0 → 10/s over 2 s holds 10 iterations; N(t) = 2.5·t², so t(i) = sqrt(i / 2.5).
  const offsets = round(arrivalOffsetsMs(0, [{ durationS: 2, targetPerS: 10 }]));
  assert.equal(offsets.length, 10);
  offsets.forEach((ms, i) => {
    assert.ok(Math.abs(ms - 1_000 * Math.sqrt(i / 2.5)) < 0.01, `iteration ${i} at ${ms} ms`);
  });
});

test("stages follow one another and the scale multiplies every rate", () => {
  const stages = [
    { durationS: 1, targetPerS: 2 },
    { durationS: 1, targetPerS: 2 },
  ];
  assert.deepEqual(
    round(arrivalOffsetsMs(2, stages, 2)),
    [0, 250, 500, 750, 1000, 1250, 1500, 1750],
  );
});

test("offsets never go backwards across a ramp down to zero", () => {
  const stages = [
    { durationS: 3, targetPerS: 30 },
    { durationS: 3, targetPerS: 0 },
  ];
  const offsets = [...arrivalOffsetsMs(0, stages)];
  assert.equal(offsets.length, 90);
  for (let i = 1; i < offsets.length; i++) assert.ok((offsets[i] ?? 0) >= (offsets[i - 1] ?? 0));
  assert.ok((offsets.at(-1) ?? 0) <= 6_000);
});
