import assert from "node:assert/strict";
import { test } from "node:test";
import { adminPost, startTestWorld } from "../testing/fixtures.ts";
import type { SiteObservation } from "./announce-decision.ts";
import { type AdminAnswer, observationFromAnswers, observeLocalSite } from "./site-observation.ts";

const READY: AdminAnswer = { status: 200, body: { ready: true, reason: "ok" } };
const sitesAnswer = (state: string, health: number): AdminAnswer => ({
  status: 200,
  body: {
    ingress: "here",
    sites: [
      { id: "other", state: "down", health: 0 },
      { id: "here", state, health },
    ],
  },
});

test("two admin answers make one observation", () => {
  const table: [string, AdminAnswer, AdminAnswer | undefined, SiteObservation][] = [
    [
      "ready and healthy",
      READY,
      sitesAnswer("healthy", 1),
      { kind: "usable", state: "healthy", health: 1 },
    ],
    [
      "ready and degraded",
      READY,
      sitesAnswer("degraded", 0.5),
      { kind: "usable", state: "degraded", health: 0.5 },
    ],
    [
      "not ready: the gateway's reason is kept",
      { status: 503, body: { ready: false, reason: "local site is compromised" } },
      undefined,
      { kind: "not-ready", reason: "local site is compromised" },
    ],
    [
      "not ready without a body",
      { status: 503, body: null },
      undefined,
      { kind: "not-ready", reason: "/readyz answered 503" },
    ],
    [
      "ready, but /sites says the site is draining (the answers crossed a change)",
      READY,
      sitesAnswer("draining", 1),
      { kind: "not-ready", reason: "local site is draining" },
    ],
    [
      "ready, /sites failing",
      READY,
      { status: 500, body: null },
      { kind: "unreachable", reason: "/sites answered 500" },
    ],
    [
      "ready, /sites without the gateway's own site",
      READY,
      { status: 200, body: { ingress: "elsewhere", sites: [] } },
      { kind: "unreachable", reason: "/sites does not list the gateway's site" },
    ],
  ];
  for (const [name, readyz, sites, expected] of table)
    assert.deepEqual(observationFromAnswers(readyz, sites), expected, name);
});

test("a live gateway is observed healthy, degraded, then compromised through its admin API", async (t) => {
  const world = await startTestWorld({ sites: [{ id: "here" }, { id: "hub", tier: "hub" }] });
  t.after(() => world.close());
  const gateway = world.gateway("here");
  assert.deepEqual(await observeLocalSite(gateway.adminUrl, 1_000), {
    kind: "usable",
    state: "healthy",
    health: 1,
  });
  gateway.state.update({ health: { here: { state: "degraded", fraction: 0.5 } } });
  assert.deepEqual(await observeLocalSite(gateway.adminUrl, 1_000), {
    kind: "usable",
    state: "degraded",
    health: 0.5,
  });
  assert.equal((await adminPost(`${gateway.adminUrl}/sites/here/compromise`)).status, 200);
  assert.deepEqual(await observeLocalSite(gateway.adminUrl, 1_000), {
    kind: "not-ready",
    reason: "local site is compromised",
  });
});

test("a gateway that is gone is unreachable, with the socket error as the reason", async (t) => {
  const world = await startTestWorld({ sites: [{ id: "here" }] });
  t.after(() => world.close());
  const adminUrl = world.gateway("here").adminUrl;
  await world.close();
  const observation = await observeLocalSite(adminUrl, 1_000);
  assert.deepEqual(observation, { kind: "unreachable", reason: "ECONNREFUSED" });
});
