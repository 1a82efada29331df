// The soak's least-squares line through RSS samples, and the rule that calls memory flat.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fitSlope, flatVerdict, MIN_SAMPLES, type RssPoint } from "./rss-slope.ts";

/** `count` samples, one every `everyMin` minutes, of base + slope·t + wave(i). */
function series(
  count: number,
  slopeMBPerMin: number,
  wave: (i: number) => number = () => 0,
  everyMin = 5 / 60,
): RssPoint[] {
  return Array.from({ length: count }, (_, i) => ({
    minutes: i * everyMin,
    mb: 300 + slopeMBPerMin * i * everyMin + wave(i),
  }));
}

/** A saw-tooth of ±20 MB with a period of 12 samples (a minute at one sample per 5 s). */
const sawTooth = (i: number) => ((i % 12) - 5.5) * (40 / 11);

test("a line through exact points has their slope and no residual", () => {
  const fit = fitSlope(series(120, 3));
  assert.ok(Math.abs(fit.slopeMBPerMin - 3) < 1e-9);
  assert.ok(fit.residualSdMB < 1e-9);
  assert.ok(Math.abs(fit.durationMin - 119 * (5 / 60)) < 1e-9);
  assert.ok(Math.abs(fit.growthMB - 3 * fit.durationMin) < 1e-9);
});

test("the noise limit is twice the residual deviation spread over the soak", () => {
  const fit = fitSlope(series(120, 0, sawTooth));
  assert.ok(fit.residualSdMB > 10 && fit.residualSdMB < 14, `σ ${fit.residualSdMB}`);
  assert.ok(Math.abs(fit.noiseMBPerMin - (2 * fit.residualSdMB) / fit.durationMin) < 1e-9);
  assert.ok(fit.slopeStdErrMBPerMin > 0);
});

test("memory is flat or not by the line's rise over the soak against the saw-tooth", () => {
  const cases: [name: string, points: RssPoint[], verdict: string][] = [
    ["a constant RSS", series(120, 0), "MET"],
    ["a saw-tooth around a level line", series(120, 0, sawTooth), "MET"],
    ["a falling RSS", series(120, -4, sawTooth), "MET"],
    ["a slow rise inside the saw-tooth", series(120, 1, sawTooth), "MET"],
    ["a steady rise through the saw-tooth", series(120, 6, sawTooth), "MISSED"],
    ["any rise without noise", series(120, 0.01), "MISSED"],
    ["too few samples", series(MIN_SAMPLES - 1, 0), "NOT MEASURED"],
  ];
  for (const [name, points, verdict] of cases)
    assert.equal(flatVerdict(fitSlope(points)), verdict, name);
});

test("no samples at all give no slope, and no verdict", () => {
  const fit = fitSlope([]);
  assert.ok(Number.isNaN(fit.slopeMBPerMin));
  assert.equal(flatVerdict(fit), "NOT MEASURED");
});
