// I/O code: real backends and gateways on 127.0.0.1 port 0 (fixtures.ts), each world closed
// with t.after. Three sites on the equator: west (0°), hub (10°), east (20°); about 1,100 km
// apart each, so from west the order is west, hub, east and from east it is east, hub, west.
import assert from "node:assert/strict";
import { request } from "node:http";
import { test } from "node:test";
import type { ClientLocation } from "../../routing-tables/client.ts";
import {
  type Answer,
  type SiteSpec,
  send,
  siteHits,
  startTestWorld,
  type TestWorldOptions,
} from "../testing/fixtures.ts";

const SITES: readonly SiteSpec[] = [
  { id: "west", tier: "edge", longitude: 0 },
  { id: "hub", tier: "hub", longitude: 10 },
  { id: "east", tier: "edge", longitude: 20, jurisdiction: "TZ" },
];

const TANZANIAN = "192.0.2.10";
const locate = (address: string): ClientLocation =>
  address === TANZANIAN
    ? { country: "TZ", continent: "AF", latitude: -6.2, longitude: 39.2 }
    : { country: "EC", continent: "SA" };

async function world(
  t: { after: (fn: () => Promise<void>) => void },
  options: Partial<TestWorldOptions> = {},
) {
  const w = await startTestWorld({ sites: SITES, ingresses: ["west", "east"], locate, ...options });
  t.after(() => w.close());
  return w;
}

const get = (url: string, headers: Record<string, string> = {}) => send(url, { headers });

/** Sends `n` sequential GETs and counts them by serving site; every one must be a 200. */
async function tally(url: string, n: number, headers: Record<string, string> = {}) {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const answer = await get(url, headers);
    assert.equal(answer.status, 200, answer.body);
    const site = answer.site ?? "none";
    counts[site] = (counts[site] ?? 0) + 1;
  }
  return counts;
}

/** A GET with a Host header of our choosing (fetch cannot set Host). */
function getWithHost(url: string, host: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/`, { headers: { host }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          site: (res.headers["x-gateway-site"] as string | undefined) ?? null,
          type: res.headers["content-type"] ?? null,
          body: Buffer.concat(chunks).toString(),
        }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

test("each ingress sends requests to the site nearest to it", async (t) => {
  const w = await world(t);
  assert.deepEqual(await tally(w.gateway("west").url, 30), { west: 30 });
  assert.deepEqual(await tally(w.gateway("east").url, 30), { east: 30 });
  assert.equal(siteHits(w, "hub"), 0);
});

test("a geo pin sends a located client to its pinned site, others to the nearest", async (t) => {
  const policy = {
    defaults: { pins: [{ clientCountries: ["TZ"], sites: ["east"] }] },
    services: [{ name: "web", hosts: ["*"] }],
  };
  const w = await world(t, { policy });
  const url = w.gateway("west").url;
  assert.deepEqual(await tally(url, 20, { "x-forwarded-for": TANZANIAN }), { east: 20 });
  assert.deepEqual(await tally(url, 20, { "x-forwarded-for": "192.0.2.99" }), { west: 20 });
});

const residencyPolicy = {
  defaults: {
    residency: [{ name: "tz-stays-home", clientCountries: ["TZ"], allowJurisdictions: ["TZ"] }],
  },
  services: [{ name: "web", hosts: ["*"] }],
};

test("a residency rule keeps a located client inside its allowed jurisdictions", async (t) => {
  const w = await world(t, { policy: residencyPolicy });
  const url = w.gateway("west").url;
  assert.deepEqual(await tally(url, 20, { "x-forwarded-for": TANZANIAN }), { east: 20 });
  assert.deepEqual(await tally(url, 20, { "x-forwarded-for": "192.0.2.99" }), { west: 20 });
});

test("fail-closed residency with every allowed site compromised answers 503 residency_blocked", async (t) => {
  const w = await world(t, { policy: residencyPolicy });
  const gateway = w.gateway("west");
  gateway.state.setOverride("east", { compromised: true });
  const before = { west: siteHits(w, "west"), hub: siteHits(w, "hub") };
  const answer = await get(gateway.url, { "x-forwarded-for": TANZANIAN });
  assert.equal(answer.status, 503);
  assert.equal(answer.type, "application/problem+json");
  const problem = JSON.parse(answer.body) as { code: string; status: number };
  assert.equal(problem.code, "residency_blocked");
  assert.equal(problem.status, 503);
  assert.deepEqual({ west: siteHits(w, "west"), hub: siteHits(w, "hub") }, before);
  // Clients the rule does not cover are served as before.
  assert.deepEqual(await tally(gateway.url, 5, { "x-forwarded-for": "192.0.2.99" }), { west: 5 });
});

test("a Host no service serves answers 421 unknown_host when the policy has no catch-all", async (t) => {
  const policy = { services: [{ name: "api", hosts: ["api.example"] }] };
  const w = await world(t, { policy });
  const url = w.gateway("west").url;
  const served = await getWithHost(url, "api.example");
  assert.equal(served.status, 200);
  assert.equal(served.site, "west");
  const refused = await getWithHost(url, "other.example");
  assert.equal(refused.status, 421);
  assert.equal(refused.type, "application/problem+json");
  assert.equal((JSON.parse(refused.body) as { code: string }).code, "unknown_host");
});

test("a site degraded to half health keeps about 70% and spills the rest to the hub", async (t) => {
  const w = await world(t);
  const gateway = w.gateway("west");
  gateway.state.update({ health: { west: { state: "degraded", fraction: 0.5 } } });
  const n = 400;
  const counts = await tally(gateway.url, n);
  const kept = (counts.west ?? 0) / n;
  // Expected 0.7 (0.5 × overprovisioning 1.4); ±0.15 is more than six standard deviations.
  assert.ok(kept >= 0.55 && kept <= 0.85, `west kept ${kept}`);
  assert.equal((counts.west ?? 0) + (counts.hub ?? 0), n, JSON.stringify(counts));
  assert.equal(counts.east ?? 0, 0);
});

test("a compromised site gets no request from any ingress", async (t) => {
  const w = await world(t);
  assert.deepEqual(await tally(w.gateway("west").url, 10), { west: 10 });
  for (const ingress of ["west", "east"])
    w.gateway(ingress).state.setOverride("west", { compromised: true });
  const before = (w.backends.get("west") ?? []).map((b) => b.hits());
  const fromWest = await tally(w.gateway("west").url, 50);
  const fromEast = await tally(w.gateway("east").url, 50);
  assert.deepEqual(fromWest, { hub: 50 });
  assert.deepEqual(fromEast, { east: 50 });
  assert.deepEqual(
    (w.backends.get("west") ?? []).map((b) => b.hits()),
    before,
  );
});

test("weighted steering splits requests roughly by the policy's weights", async (t) => {
  const policy = {
    defaults: { steering: "weighted", weights: { west: 3, east: 1 } },
    services: [{ name: "web", hosts: ["*"] }],
  };
  const w = await world(t, { policy });
  const n = 400;
  const counts = await tally(w.gateway("west").url, n);
  const west = (counts.west ?? 0) / n;
  // Expected 0.75; ±0.15 is about seven standard deviations.
  assert.ok(west >= 0.6 && west <= 0.9, `west took ${west}`);
  assert.equal((counts.west ?? 0) + (counts.east ?? 0), n, JSON.stringify(counts));
  assert.equal(counts.hub ?? 0, 0);
});
