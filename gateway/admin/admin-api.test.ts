// I/O code: the admin API of real gateways on 127.0.0.1 port 0 (fixtures.ts), each world
// closed with t.after. Sites on the equator: west (0°), hub (10°), east (20°); the gateway
// runs at west, so west serves until ops say otherwise.
import assert from "node:assert/strict";
import { networkInterfaces } from "node:os";
import { test } from "node:test";
import type { ClientLocation } from "../../routing-tables/client.ts";
import { startTestWorld, TEST_ADMIN_TOKEN, type TestWorld } from "../testing/fixtures.ts";

const TANZANIAN = "192.0.2.10";
const locate = (address: string): ClientLocation =>
  address === TANZANIAN ? { country: "TZ", continent: "AF" } : {};

async function world(t: { after: (fn: () => Promise<void>) => void }): Promise<TestWorld> {
  const w = await startTestWorld({
    sites: [
      { id: "west", tier: "edge", longitude: 0 },
      { id: "hub", tier: "hub", longitude: 10 },
      { id: "east", tier: "edge", longitude: 20 },
    ],
    ingresses: ["west"],
    policy: {
      defaults: { pins: [{ clientCountries: ["TZ"], sites: ["east"] }] },
      services: [{ name: "web", hosts: ["*"] }],
    },
    locate,
  });
  t.after(() => w.close());
  return w;
}

/** An override as ops send it: POST with the gateway's bearer token. */
const POST: RequestInit = {
  method: "POST",
  headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
};

async function call(url: string, init: RequestInit = {}) {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, type: res.headers.get("content-type"), text };
}

/** The site that served a GET through the gateway. */
async function servedBy(url: string): Promise<string | null> {
  const res = await fetch(url);
  await res.text();
  assert.equal(res.status, 200);
  return res.headers.get("x-gateway-site");
}

test("/healthz answers 200 while the process runs", async (t) => {
  const w = await world(t);
  const res = await call(`${w.gateway("west").adminUrl}/healthz`);
  assert.equal(res.status, 200);
  assert.deepEqual(JSON.parse(res.text), { status: "ok" });
});

test("/readyz answers 200, and 503 once the local site is compromised", async (t) => {
  const w = await world(t);
  const admin = w.gateway("west").adminUrl;
  assert.equal((await call(`${admin}/readyz`)).status, 200);
  assert.equal((await call(`${admin}/sites/west/compromise`, POST)).status, 200);
  const res = await call(`${admin}/readyz`);
  assert.equal(res.status, 503);
  assert.match((JSON.parse(res.text) as { reason: string }).reason, /compromised/);
});

test("/metrics exposes the request, breaker, snapshot, panic and spill metrics", async (t) => {
  const w = await world(t);
  const gateway = w.gateway("west");
  await servedBy(gateway.url);
  const res = await call(`${gateway.adminUrl}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.type ?? "", /^text\/plain/);
  assert.match(
    res.text,
    /^gateway_requests_total\{site="west",status="200",code="ok",service="web"\} 1$/m,
  );
  assert.match(res.text, /^gateway_upstream_try_duration_seconds_count\{site="west"\} 1$/m);
  assert.match(res.text, /^gateway_site_rtt_seconds\{site="east"\} [\d.e-]+$/m);
  assert.match(res.text, /^# TYPE gateway_breaker_state gauge$/m);
  assert.match(res.text, /^gateway_snapshot_version \d+$/m);
  assert.match(res.text, /^gateway_snapshot_age_seconds [\d.e-]+$/m);
  assert.match(res.text, /^gateway_config_rejected 0$/m);
  assert.match(res.text, /^gateway_panic\{service="web"\} 0$/m);
  assert.match(res.text, /^gateway_spill_ratio\{service="web"\} 0$/m);
  // The usual process metrics of a Node service, in the same registry.
  assert.match(res.text, /^process_resident_memory_bytes \d+$/m);
  assert.match(res.text, /^nodejs_heap_size_used_bytes \d+$/m);
  assert.match(res.text, /^# TYPE nodejs_eventloop_lag_p99_seconds gauge$/m);
});

test("real traffic served away from its ingress is counted by why, and retries by the failed try's outcome", async (t) => {
  const w = await world(t);
  const gateway = w.gateway("west");
  // A client pinned to east (TZ): served elsewhere by its pin.
  const pinned = await fetch(gateway.url, { headers: { "x-forwarded-for": TANZANIAN } });
  await pinned.text();
  // West's backends gone: the first try fails to connect, the retry goes on to another site.
  for (const backend of w.backends.get("west") ?? []) await backend.kill();
  assert.notEqual(await servedBy(gateway.url), "west");
  const text = (await call(`${gateway.adminUrl}/metrics`)).text;
  assert.match(text, /^gateway_served_elsewhere_total\{service="web",reason="pin"\} 1$/m);
  assert.match(text, /^gateway_served_elsewhere_total\{service="web",reason="failover"\} 1$/m);
  assert.match(text, /^gateway_retries_total\{reason="connect-failed"\} 1$/m);
  assert.match(text, /^gateway_upstream_tries_total\{site="west",outcome="connect-failed"\} 1$/m);
});

test("gateway_spill_ratio and gateway_panic follow the snapshot", async (t) => {
  const w = await world(t);
  const gateway = w.gateway("west");
  const gauges = async () => {
    const text = (await call(`${gateway.adminUrl}/metrics`)).text;
    const value = (name: string) =>
      Number(new RegExp(`^${name}\\{service="web"\\} (\\S+)$`, "m").exec(text)?.[1]);
    return { spill: value("gateway_spill_ratio"), panic: value("gateway_panic") };
  };
  gateway.state.update({ health: { west: { state: "degraded", fraction: 0.5 } } });
  const degraded = await gauges();
  assert.ok(Math.abs(degraded.spill - 0.3) < 1e-9, `spill ${degraded.spill}`);
  assert.equal(degraded.panic, 0);
  gateway.state.update({
    health: {
      west: { state: "degraded", fraction: 0.5 },
      hub: { state: "down", fraction: 0 },
      east: { state: "down", fraction: 0 },
    },
  });
  assert.equal((await gauges()).panic, 1);
});

test("the spill gauge and /sites shares cover a service served only on *.domain hosts", async (t) => {
  const w = await startTestWorld({
    sites: [
      { id: "west", tier: "edge", longitude: 0 },
      { id: "hub", tier: "hub", longitude: 10 },
    ],
    ingresses: ["west"],
    policy: { services: [{ name: "web", hosts: ["*.example"] }] },
  });
  t.after(() => w.close());
  const gateway = w.gateway("west");
  gateway.state.update({ health: { west: { state: "degraded", fraction: 0.5 } } });
  const metrics = (await call(`${gateway.adminUrl}/metrics`)).text;
  const spill = Number(/^gateway_spill_ratio\{service="web"\} (\S+)$/m.exec(metrics)?.[1]);
  assert.ok(Math.abs(spill - 0.3) < 1e-9, `spill ${spill}`);
  const sites = JSON.parse((await call(`${gateway.adminUrl}/sites`)).text) as {
    sites: { id: string; shareFromHere: Record<string, number> }[];
  };
  assert.deepEqual(
    sites.sites.map((s) => [s.id, s.shareFromHere.web]),
    [
      ["west", 0.7],
      ["hub", 0.3],
    ],
  );
});

test("/sites lists every site with its state, share and breakers", async (t) => {
  const w = await world(t);
  const res = await call(`${w.gateway("west").adminUrl}/sites`);
  assert.equal(res.status, 200);
  const body = JSON.parse(res.text) as {
    ingress: string;
    sites: { id: string; state: string; shareFromHere: Record<string, number>; breaker: string }[];
  };
  assert.equal(body.ingress, "west");
  assert.deepEqual(
    body.sites.map((s) => [s.id, s.state, s.shareFromHere.web ?? 0, s.breaker]),
    [
      ["west", "healthy", 1, "closed"],
      ["hub", "healthy", 0, "closed"],
      ["east", "healthy", 0, "closed"],
    ],
  );
});

test("/explain?ip= returns the decision for a located client", async (t) => {
  const w = await world(t);
  const admin = w.gateway("west").adminUrl;
  const pinned = JSON.parse((await call(`${admin}/explain?ip=${TANZANIAN}`)).text) as {
    ip: string;
    chosen: string;
    pin: string[] | null;
    candidates: { site: string; reasons: string[] }[];
  };
  assert.equal(pinned.ip, TANZANIAN);
  assert.equal(pinned.chosen, "east");
  assert.deepEqual(pinned.pin, ["east"]);
  assert.match(pinned.candidates[0]?.reasons.join(" ") ?? "", /geo pin/);
  const elsewhere = JSON.parse((await call(`${admin}/explain?ip=192.0.2.99`)).text) as {
    chosen: string;
  };
  assert.equal(elsewhere.chosen, "west");
});

test("POST /sites/:id/drain, compromise and restore change where requests go", async (t) => {
  const w = await world(t);
  const { url, adminUrl } = w.gateway("west");
  const post = (path: string) => call(`${adminUrl}${path}`, POST);
  assert.equal(await servedBy(url), "west");

  const drained = await post("/sites/west/drain");
  assert.equal(drained.status, 200);
  assert.equal((JSON.parse(drained.text) as { action: string }).action, "drain");
  assert.equal(await servedBy(url), "hub");
  assert.equal((await post("/sites/west/restore")).status, 200);
  assert.equal(await servedBy(url), "west");

  assert.equal((await post("/sites/west/compromise")).status, 200);
  const hitsBefore = (w.backends.get("west") ?? []).map((b) => b.hits());
  for (let i = 0; i < 10; i++) assert.equal(await servedBy(url), "hub");
  assert.deepEqual(
    (w.backends.get("west") ?? []).map((b) => b.hits()),
    hitsBefore,
  );
  assert.equal((await post("/sites/west/restore")).status, 200);
  assert.equal(await servedBy(url), "west");
  assert.equal((await call(`${adminUrl}/readyz`)).status, 200);
});

test("the override endpoints want POST (405) and a known site (404)", async (t) => {
  const w = await world(t);
  const admin = w.gateway("west").adminUrl;
  for (const verb of ["drain", "compromise", "restore"]) {
    const res = await call(`${admin}/sites/west/${verb}`);
    assert.equal(res.status, 405, verb);
    assert.equal(res.type, "application/problem+json");
  }
  const unknown = await call(`${admin}/sites/nowhere/drain`, POST);
  assert.equal(unknown.status, 404);
  assert.equal((JSON.parse(unknown.text) as { code: string }).code, "not_found");
  assert.equal((await call(`${admin}/sites/west/explode`, POST)).status, 404);
  assert.equal(await servedBy(w.gateway("west").url), "west");
});

/** This machine's first non-loopback IPv4 address: the admin API sees its peer as off loopback. */
const offLoopback = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === "IPv4" && !i.internal)?.address;

test("off loopback the admin API wants the bearer token", {
  skip: offLoopback ? false : "no non-loopback IPv4 interface",
}, async (t) => {
  const w = await startTestWorld({
    sites: [{ id: "solo", tier: "hub", backends: 1 }],
    ingresses: ["solo"],
    boot: { admin: { host: offLoopback, port: 0 } },
    adminToken: "s3cret",
  });
  t.after(() => w.close());
  const gateway = w.gateway("solo");
  const healthz = `${gateway.adminUrl}/healthz`;
  const without = await call(healthz);
  assert.equal(without.status, 401);
  assert.equal((JSON.parse(without.text) as { code: string }).code, "unauthorized");
  assert.equal((await call(healthz, { headers: { authorization: "Bearer wrong!" } })).status, 401);
  assert.equal((await call(healthz, { headers: { authorization: "s3cret" } })).status, 401);
  assert.equal((await call(healthz, { headers: { authorization: "Bearer s3cret" } })).status, 200);
  const post = await call(`${gateway.adminUrl}/sites/solo/drain`, { method: "POST" });
  assert.equal(post.status, 401);
  assert.equal(gateway.state.snapshot.sites[0]?.state, "healthy");
});

test("off loopback a gateway with no token configured refuses everyone", {
  skip: offLoopback ? false : "no non-loopback IPv4 interface",
}, async (t) => {
  const w = await startTestWorld({
    sites: [{ id: "solo", tier: "hub" }],
    ingresses: ["solo"],
    boot: { admin: { host: offLoopback, port: 0 } },
    adminToken: null,
  });
  t.after(() => w.close());
  const res = await call(`${w.gateway("solo").adminUrl}/healthz`, {
    headers: { authorization: "Bearer anything" },
  });
  assert.equal(res.status, 401);
});

test("without a place of record an override is this gateway's, and the answer and /sites say so", async (t) => {
  const w = await world(t);
  const admin = w.gateway("west").adminUrl;
  const res = await fetch(`${admin}/sites/east/drain?why=${encodeURIComponent("disk swap")}`, {
    method: "POST",
    headers: { "x-ops-user": "carol", authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
  });
  const body = (await res.json()) as Record<string, unknown>;
  assert.equal(res.status, 200);
  assert.deepEqual(
    [body.scope, body.fleetWide, body.persisted, body.why],
    ["local", false, true, "disk swap"],
  );
  assert.match(String(body.note), /no place of record/);
  const sites = JSON.parse((await call(`${admin}/sites`)).text) as {
    opsOverrides: Record<string, { scope: string; who: string; why: string }[]>;
    fleet: unknown;
  };
  assert.deepEqual(
    sites.opsOverrides.east?.map((r) => [r.scope, r.why]),
    [["local", "disk swap"]],
  );
  assert.match(sites.opsOverrides.east?.[0]?.who ?? "", /^carol@/);
  assert.equal(sites.fleet, null);
});

for (const [name, path, expected] of [
  ["a compromise cannot expire", "/sites/east/compromise?expiresInS=60", /only a drain expires/],
  ["an expiry is whole seconds", "/sites/east/drain?expiresInS=1.5", /whole number/],
  ["an expiry is at most 30 days", "/sites/east/drain?expiresInS=2592001", /from 1 to/],
] as const) {
  test(`${name}: 400 bad_request, nothing stored`, async (t) => {
    const w = await world(t);
    const res = await call(`${w.gateway("west").adminUrl}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    assert.equal(res.status, 400);
    assert.match(JSON.parse(res.text).detail, expected);
    assert.deepEqual(w.gateway("west").state.inputs.overrides, {});
  });
}
