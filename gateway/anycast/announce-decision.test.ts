import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type Announcement,
  type AnnouncePolicy,
  type AnnounceState,
  type SiteObservation,
  stepAnnounce,
  WITHDRAWN,
  wantedAnnouncement,
} from "./announce-decision.ts";

const healthy: SiteObservation = { kind: "usable", state: "healthy", health: 1 };
const degraded: SiteObservation = { kind: "usable", state: "degraded", health: 0.5 };
const compromised: SiteObservation = { kind: "not-ready", reason: "local site is compromised" };
const dead: SiteObservation = { kind: "unreachable", reason: "ECONNREFUSED" };

const POLICY: AnnouncePolicy = { riseCount: 3, holdDownMs: 1_000 };

/** Feeds one observation every `everyMs` from t = 0; returns the changes as [ms, announcement]. */
function run(
  observations: readonly SiteObservation[],
  options: { start?: AnnounceState; everyMs?: number; policy?: AnnouncePolicy } = {},
): [number, Announcement][] {
  const changes: [number, Announcement][] = [];
  let state = options.start ?? WITHDRAWN;
  observations.forEach((observation, i) => {
    const now = i * (options.everyMs ?? 250);
    const step = stepAnnounce(state, observation, now, options.policy ?? POLICY);
    state = step.state;
    if (step.change) changes.push([now, step.change]);
  });
  return changes;
}

const times = (n: number, o: SiteObservation) => Array.from({ length: n }, () => o);
const ANNOUNCED: AnnounceState = { current: "announce" };

test("each observation asks for the announcement its state deserves", () => {
  const table: [SiteObservation, Announcement][] = [
    [healthy, "announce"],
    [degraded, "deprefer"],
    [compromised, "withdraw"],
    [{ kind: "not-ready", reason: "local site is draining" }, "withdraw"],
    [{ kind: "not-ready", reason: "shutting down" }, "withdraw"],
    [dead, "withdraw"],
    [{ kind: "no-session" }, "withdraw"],
  ];
  for (const [observation, expected] of table)
    assert.equal(wantedAnnouncement(observation)[0], expected, JSON.stringify(observation));
});

test("a healthy site is announced only after the rise count and the hold-down", () => {
  // Observations at 0, 250, …: the third is at 500 ms (rise met), the fifth at 1000 ms (held).
  assert.deepEqual(run(times(8, healthy)), [[1_000, "announce"]]);
});

test("with no hold-down the rise count alone decides", () => {
  assert.deepEqual(run(times(5, healthy), { policy: { riseCount: 3, holdDownMs: 0 } }), [
    [500, "announce"],
  ]);
});

test("a rise count of 0 is taken as 1", () => {
  assert.deepEqual(run([healthy], { policy: { riseCount: 0, holdDownMs: 0 } }), [[0, "announce"]]);
});

test("a compromise withdraws at the first observation", () => {
  assert.deepEqual(run([healthy, compromised], { start: ANNOUNCED }), [[250, "withdraw"]]);
});

test("an unreachable gateway withdraws at the first observation", () => {
  assert.deepEqual(run([dead], { start: ANNOUNCED }), [[0, "withdraw"]]);
});

test("a degraded site is de-preferred at once, and withdrawn at once when it then fails", () => {
  assert.deepEqual(run([healthy, degraded, degraded, compromised], { start: ANNOUNCED }), [
    [250, "deprefer"],
    [750, "withdraw"],
  ]);
});

test("a restored site is preferred again only after the hold-down, not before", () => {
  const depreferred: AnnounceState = { current: "deprefer" };
  assert.deepEqual(run([degraded, ...times(6, healthy)], { start: depreferred }), [
    [1_250, "announce"],
  ]);
});

test("a site flapping between usable and compromised never comes back while it flaps", () => {
  const flap = Array.from({ length: 40 }, (_, i) => (i % 3 === 2 ? compromised : healthy));
  assert.deepEqual(run(flap), []);
});

test("a flapping announced site is withdrawn once and stays withdrawn while it flaps", () => {
  const flap = Array.from({ length: 40 }, (_, i) => (i % 3 === 2 ? compromised : healthy));
  assert.deepEqual(run(flap, { start: ANNOUNCED }), [[500, "withdraw"]]);
});

test("a withdrawn site that alternated degraded and healthy comes back de-preferred", () => {
  const mixed = Array.from({ length: 6 }, (_, i) => (i % 2 ? healthy : degraded));
  assert.deepEqual(run(mixed), [[1_000, "deprefer"]]);
});

test("a de-preferred site that stays degraded changes nothing", () => {
  assert.deepEqual(run(times(10, degraded), { start: { current: "deprefer" } }), []);
});

test("an observation that does not ask for better ends a run under way: the hold-down restarts", () => {
  const observations = [...times(3, healthy), degraded, ...times(5, healthy)];
  // De-preferred; the degraded poll at 750 ms ends the run, the next one starts at 1000 ms.
  assert.deepEqual(run(observations, { start: { current: "deprefer" } }), [[2_000, "announce"]]);
});

test("a withdrawn site climbs one step at a time when a run mixes degraded and healthy", () => {
  const observations = [...times(3, healthy), degraded, ...times(6, healthy)];
  assert.deepEqual(run(observations), [
    [1_000, "deprefer"],
    [2_250, "announce"],
  ]);
});

test("a BGP session that went down and came back waits for the hold-down like any return", () => {
  const observations = [healthy, { kind: "no-session" } as const, ...times(6, healthy)];
  assert.deepEqual(run(observations, { start: ANNOUNCED }), [
    [250, "withdraw"],
    [1_500, "announce"],
  ]);
});
