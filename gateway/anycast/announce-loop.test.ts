import assert from "node:assert/strict";
import { test } from "node:test";
import type { Announcement, SiteObservation } from "./announce-decision.ts";
import { runAnnounceLoop } from "./announce-loop.ts";

const healthy: SiteObservation = { kind: "usable", state: "healthy", health: 1 };
const compromised: SiteObservation = { kind: "not-ready", reason: "local site is compromised" };

/** Runs the loop over scripted observations on a fake clock; stops when the script ends. */
async function script(observations: readonly SiteObservation[], intervalMs = 100) {
  let clock = 0;
  let next = 0;
  const stop = new AbortController();
  const published: [number, Announcement][] = [];
  await runAnnounceLoop({
    observe: async () => {
      const observation = observations[next++] ?? healthy;
      if (next >= observations.length) stop.abort();
      clock += 5; // each poll takes 5 ms
      return observation;
    },
    publish: (a) => published.push([clock, a]),
    policy: { riseCount: 2, holdDownMs: 200 },
    intervalMs,
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
    signal: stop.signal,
  });
  return published;
}

test("the loop withdraws first, announces after the hold-down, and withdraws when stopped", async () => {
  // Polls start every 100 ms (sleeping the interval minus the poll's 5 ms): observed at 5, 105, …
  assert.deepEqual(await script([healthy, healthy, healthy, healthy, healthy]), [
    [0, "withdraw"],
    [205, "announce"],
    [405, "withdraw"],
  ]);
});

test("the loop tells the speaker only of changes", async () => {
  const published = await script([healthy, healthy, healthy, compromised, compromised, healthy]);
  assert.deepEqual(
    published.map(([, a]) => a),
    ["withdraw", "announce", "withdraw", "withdraw"],
  );
});

test("a stopped loop still withdraws when the abort comes during a poll", async () => {
  const published = await script([healthy]);
  assert.deepEqual(
    published.map(([, a]) => a),
    ["withdraw", "withdraw"],
  );
});
