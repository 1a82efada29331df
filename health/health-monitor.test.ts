import assert from "node:assert/strict";
import { test } from "node:test";
import { tuningSchema } from "../routing-tables/policy-schema.ts";
import { PASSIVE_FLOOR } from "./ejection-cap.ts";
import { HealthMonitor } from "./health-monitor.ts";

const SPILL = tuningSchema.parse({}).spill;
const SITES = [
  { id: "a", backends: ["a1", "a2", "a3", "a4"], capacity: 100 },
  { id: "b", backends: ["b1"], capacity: 100 },
];

function monitor(spill = SPILL) {
  let now = 0;
  const m = new HealthMonitor(SITES, spill, { now: () => now });
  return { m, advance: (ms: number) => (now += ms) };
}

function failChecks(m: HealthMonitor, site: string, backend: string, times = 3) {
  for (let i = 0; i < times; i++) m.observe({ kind: "check", site, backend, ok: false });
}

test("with nothing observed every site stays healthy and nothing is published", () => {
  const { m } = monitor();
  assert.equal(m.evaluate().size, 0);
});

test("a backend down (fall 3) makes its site degraded by its share", () => {
  const { m } = monitor();
  failChecks(m, "a", "a1");
  assert.deepEqual(m.evaluate().get("a"), { state: "degraded", fraction: 0.75, saturation: 0 });
});

test("every backend down makes the site down", () => {
  const { m } = monitor();
  failChecks(m, "b", "b1");
  assert.equal(m.evaluate().get("b")?.state, "down");
});

test("subscribers hear only of changes: a second evaluation without news is empty", () => {
  const { m } = monitor();
  failChecks(m, "a", "a1");
  assert.equal(m.evaluate().size, 1);
  assert.equal(m.evaluate().size, 0);
});

test("an open site breaker takes the site down at once; closing it ramps it back", () => {
  const { m, advance } = monitor();
  m.observe({ kind: "breaker", site: "a", open: true });
  assert.equal(m.evaluate().get("a")?.state, "down");
  m.observe({ kind: "breaker", site: "a", open: false });
  advance(SPILL.rampUpMs / 2);
  assert.deepEqual(m.evaluate().get("a"), { state: "degraded", fraction: 0.5, saturation: 0 });
  advance(SPILL.rampUpMs / 2);
  assert.equal(m.evaluate().get("a")?.state, "healthy");
});

test("passive errors over the threshold degrade a site before any probe notices", () => {
  const { m } = monitor();
  for (let i = 0; i < 100; i++) m.observe({ kind: "outcome", site: "a", ok: i % 4 !== 0 });
  const health = m.evaluate().get("a");
  assert.equal(health?.state, "degraded");
  // error ratio 0.25 between 0.05 and 0.5 → 1 − 0.2 / 0.45
  assert.ok(Math.abs((health?.fraction ?? 0) - (1 - 0.2 / 0.45)) < 1e-9);
});

test("a few errors under the minimum request count say nothing", () => {
  const { m } = monitor();
  for (let i = 0; i < 10; i++) m.observe({ kind: "outcome", site: "a", ok: false });
  assert.equal(m.evaluate().size, 0);
});

test("errors age out of the rolling window", () => {
  const { m, advance } = monitor();
  for (let i = 0; i < 40; i++) m.observe({ kind: "outcome", site: "a", ok: false });
  assert.deepEqual(m.evaluate().get("a"), {
    state: "degraded",
    fraction: PASSIVE_FLOOR,
    saturation: 0,
  });
  advance(11_000);
  for (let i = 0; i < 40; i++) m.observe({ kind: "outcome", site: "a", ok: true });
  advance(SPILL.rampUpMs);
  assert.equal(m.evaluate().get("a")?.state, "healthy");
});

test("a p99 over the SLO degrades the site in proportion", () => {
  const { m } = monitor();
  for (let i = 0; i < 50; i++)
    m.observe({ kind: "outcome", site: "a", ok: true, latencyMs: 1_250 });
  // p99 / SLO = 2.5, between 1 and 4 → 1 − 1.5 / 3 (the p99 is an HDR reading: ±1 %)
  const fraction = m.evaluate().get("a")?.fraction ?? 0;
  assert.ok(Math.abs(fraction - 0.5) < 0.01, `${fraction} is not 0.5`);
});

test("a batch of outcomes reads as the same outcomes one by one: errors and the p99 alike", () => {
  const served = Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? 1_250 : 40));
  const one = monitor().m;
  for (const latencyMs of served) one.observe({ kind: "outcome", site: "a", ok: true, latencyMs });
  for (let i = 0; i < 20; i++) one.observe({ kind: "outcome", site: "a", ok: false });
  const batch = monitor().m;
  batch.outcomes("a", served, 20);
  batch.outcomes("nowhere", served, 5); // a site the monitor does not know: ignored
  const expected = one.evaluate();
  assert.equal(expected.get("a")?.state, "degraded", "the case says something");
  assert.deepEqual(batch.evaluate(), expected);
});

test("saturation over its threshold degrades the site", () => {
  const { m } = monitor();
  m.observe({ kind: "load", site: "b", inFlight: 100 });
  const health = m.evaluate().get("b");
  assert.equal(health?.state, "degraded");
  assert.equal(health?.saturation, 1);
});

test("a site that left the catalogue is forgotten; a new one starts healthy", () => {
  const { m } = monitor();
  failChecks(m, "b", "b1");
  m.evaluate();
  m.sync([{ id: "c", backends: ["c1"], capacity: 10 }], SPILL);
  assert.equal(m.evaluate().size, 0);
});

test("a capacity changed by a reload is the one saturation is read against", () => {
  const { m } = monitor();
  m.observe({ kind: "load", site: "b", inFlight: 50 });
  assert.equal(m.evaluate().size, 0, "half the old capacity in flight is not saturation");
  m.sync(
    SITES.map((s) => (s.id === "b" ? { ...s, capacity: 50 } : s)),
    SPILL,
  );
  const health = m.evaluate().get("b");
  assert.equal(health?.state, "degraded");
  assert.equal(health?.saturation, 1);
});

test("passive errors alone leave a site degraded at the floor; failing checks take it down", () => {
  const { m } = monitor();
  for (let i = 0; i < 40; i++) m.observe({ kind: "outcome", site: "b", ok: false });
  assert.deepEqual(m.evaluate().get("b"), {
    state: "degraded",
    fraction: PASSIVE_FLOOR,
    saturation: 0,
  });
  failChecks(m, "b", "b1");
  assert.equal(m.evaluate().get("b")?.state, "down");
});

test("passive errors at every site take out no more than maxEjectionPercent of the world's capacity, one site's worth at least", () => {
  // Issue 11: a burst every site answered badly marked every site down. Sites a and b have
  // 100 each; each reads 0 and would lose 90; the budget is max(10 % of 200, 90) = 90.
  const { m } = monitor();
  for (const site of ["a", "b"])
    for (let i = 0; i < 40; i++) m.observe({ kind: "outcome", site, ok: false });
  const changed = m.evaluate();
  assert.equal(changed.get("a")?.fraction, 1 - 45 / 100);
  assert.equal(changed.get("b")?.fraction, 1 - 45 / 100);
});
