// I/O code: the KV watcher and the check-and-set writes against the Consul double (port 0)
// through the real `consul` client; the last test runs two gateways (fixtures.ts) on one KV.
import assert from "node:assert/strict";
import { test } from "node:test";
import { consulClient } from "../../../health/consul/consul-queries.ts";
import { startConsulDouble } from "../../../health/testing/consul-double/consul-double.ts";
import { catalogueSchema } from "../../../routing-tables/catalogue-schema.ts";
import { policySchema } from "../../../routing-tables/policy-schema.ts";
import { RoutingState } from "../../state/routing-state.ts";
import { testSite } from "../../testing/consul-world.ts";
import { eventually, siteHits, startTestWorld } from "../../testing/fixtures.ts";
import { type KvWatchStatus, watchConsulKv, writeOverrideToKv } from "./consul-kv.ts";

type After = { after: (fn: () => Promise<void> | void) => void };

const catalogue = catalogueSchema.parse({
  sites: ["west", "hub", "east"].map((id, i) =>
    testSite(id, {
      longitude: i * 10,
      tier: id === "hub" ? "hub" : "edge",
      backends: [`127.0.0.1:${18_000 + i}`],
    }),
  ),
});
const policy = policySchema.parse({ services: [{ name: "web", hosts: ["*"] }] });

async function startDouble(t: After) {
  const double = await startConsulDouble({ datacenters: ["dc1"], random: () => 0 });
  t.after(() => double.close());
  return { double, consul: consulClient({ address: double.url }) };
}

/** A routing state watching `gw/` in the double; short waits so timeouts come quickly. */
async function watchedState(t: After) {
  const { double, consul } = await startDouble(t);
  const state = new RoutingState({ catalogue, policy });
  const statuses: KvWatchStatus[] = [];
  const controller = new AbortController();
  const watching = watchConsulKv({
    consul,
    prefix: "gw",
    datacenter: "dc1",
    state,
    signal: controller.signal,
    waitMs: 300,
    backoff: { baseMs: 5, maxMs: 20 },
    onStatus: (status) => statuses.push(status),
  });
  t.after(async () => {
    controller.abort();
    await watching;
  });
  const status = () => statuses.at(-1);
  await eventually(() => status()?.lastAnswerAtMs !== undefined, 5_000, "the first answer");
  await eventually(() => double.blockedQueries() > 0, 5_000, "the watch to block");
  const siteState = (id: string) =>
    state.snapshot.sites[state.snapshot.siteIndex.get(id) ?? -1]?.state;
  return { double, consul, state, status, siteState };
}

const GOOD_POLICY = `services:
  - name: web
    hosts: ["*"]
  - name: api
    hosts: [api.example.org]
    drain: [east]
`;

const BAD_POLICY = `services:
  - name: web
    hosts: ["*"]
    steering: fastest
  - name: Api
    hosts: [api.example.org]
  - name: admin
    hosts: [admin.example.org]
    drain: [nowhere]
`;

test("a valid policy in KV is applied: the snapshot version rises and the services change", async (t) => {
  const w = await watchedState(t);
  const before = w.state.snapshot.version;
  w.double.putKV("dc1", "gw/policy", GOOD_POLICY);
  await eventually(() => w.state.snapshot.services.length === 2, 5_000, "the new policy");
  assert.ok(w.state.snapshot.version > before);
  assert.deepEqual(
    w.state.snapshot.services.map((s) => s.name),
    ["web", "api"],
  );
  assert.equal(w.state.rejected, undefined);
});

test("a malformed policy is rejected with every error, and the old policy keeps serving", async (t) => {
  const w = await watchedState(t);
  w.double.putKV("dc1", "gw/policy", BAD_POLICY);
  await eventually(() => w.state.rejected !== undefined, 5_000, "the rejection");
  const errors = w.state.rejected?.errors ?? [];
  assert.ok(errors.every((e) => e.file === "consul-kv:gw/policy"));
  assert.deepEqual(
    errors.map((e) => [e.line, e.path]),
    [
      [4, "services[0].steering"],
      [5, "services[1].name"],
      [9, "services[2].drain[0]"],
    ],
  );
  assert.deepEqual(
    w.state.snapshot.services.map((s) => s.name),
    ["web"],
    "the last good policy still serves",
  );
  w.double.putKV("dc1", "gw/policy", GOOD_POLICY);
  await eventually(() => w.state.rejected === undefined, 5_000, "the fix to clear the rejection");
  assert.equal(w.state.snapshot.services.length, 2);
});

test("a compromise flag in KV outlives Consul failing, leaderless and answering 404s", async (t) => {
  const w = await watchedState(t);
  w.double.putKV("dc1", "gw/flags/east", '{"compromised": true}');
  await eventually(() => w.siteState("east") === "compromised", 5_000, "the compromise");
  w.double.failAll(true, 500);
  w.double.wakeWithoutChange("dc1");
  await eventually(() => (w.status()?.consecutiveErrors ?? 0) >= 3, 5_000, "failed queries");
  w.double.failAll(true, 404); // not Consul's word: no X-Consul-Index
  const errorsSoFar = w.status()?.consecutiveErrors ?? 0;
  await eventually(() => (w.status()?.consecutiveErrors ?? 0) >= errorsSoFar + 3, 5_000, "404s");
  assert.equal(w.siteState("east"), "compromised");
  w.double.failAll(false);
  w.double.leaderless(true);
  await eventually(() => w.status()?.knownLeader === false, 5_000, "a leaderless answer");
  assert.equal(w.status()?.consecutiveErrors, 0);
  assert.equal(w.siteState("east"), "compromised");
});

test("KV setting compromised false clears the compromise", async (t) => {
  const w = await watchedState(t);
  w.double.putKV("dc1", "gw/flags/east", '{"compromised": true}');
  await eventually(() => w.siteState("east") === "compromised", 5_000, "the compromise");
  w.double.putKV("dc1", "gw/flags/east", '{"compromised": false}');
  await eventually(() => w.siteState("east") === "healthy", 5_000, "the site back");
});

test("a deletion seen without a leader keeps the compromise; the leader's answer clears it", async (t) => {
  const w = await watchedState(t);
  w.double.putKV("dc1", "gw/flags/east", '{"compromised": true}');
  await eventually(() => w.siteState("east") === "compromised", 5_000, "the compromise");
  w.double.leaderless(true);
  await eventually(() => w.status()?.knownLeader === false, 5_000, "a leaderless answer");
  w.double.deleteKV("dc1", "gw/flags/east");
  await eventually(() => w.double.blockedQueries() > 0, 5_000, "the watch to block again");
  assert.equal(w.siteState("east"), "compromised", "a stale read may predate the compromise");
  w.double.leaderless(false);
  await eventually(() => w.siteState("east") === "healthy", 5_000, "the leader's answer");
});

test("a malformed flag is rejected by its key while the other flags apply", async (t) => {
  const w = await watchedState(t);
  w.double.putKV("dc1", "gw/flags/east", '{"draining": "yes"}');
  w.double.putKV("dc1", "gw/flags/west", '{"draining": true}');
  await eventually(() => w.siteState("west") === "draining", 5_000, "the good flag");
  assert.equal(w.siteState("east"), "healthy");
  assert.deepEqual(
    w.state.rejected?.errors.map((e) => [e.file, e.path]),
    [["consul-kv:gw/flags/east", "draining"]],
  );
});

test("concurrent check-and-set writers both land, and restore deletes the key", async (t) => {
  const { double, consul } = await startDouble(t);
  const write = (override: { draining?: boolean; compromised?: boolean }) =>
    writeOverrideToKv(consul, "gw", "dc1", "east", override);
  const landed = await Promise.all([
    write({ draining: true }),
    write({ compromised: true }),
    write({ draining: false }),
  ]);
  assert.deepEqual(landed, [true, true, true]);
  const stored = await consul.kv.get({ key: "gw/flags/east", dc: "dc1" });
  const value = JSON.parse(stored?.Value ?? "{}");
  assert.equal(value.compromised, true, "no writer's field was lost");
  assert.ok(typeof value.draining === "boolean", "the last writer of a field wins");
  const puts = double.requests().filter((r) => r.method === "PUT");
  assert.ok(
    puts.every((r) => r.query.cas !== undefined),
    "every write was check-and-set",
  );
  assert.equal(await writeOverrideToKv(consul, "gw", "dc1", "east", undefined), true);
  assert.equal(await consul.kv.get({ key: "gw/flags/east", dc: "dc1" }), undefined);
});

test("a compromise written to KV reaches every gateway: no request reaches that site", async (t) => {
  const { double, consul } = await startDouble(t);
  const sites = [
    { id: "west", longitude: 0 },
    { id: "hub", tier: "hub" as const, longitude: 10 },
    { id: "east", longitude: 20 },
  ];
  const world = await startTestWorld({ sites, ingresses: ["west", "east"] });
  t.after(() => world.close());
  const controller = new AbortController();
  const watches = [...world.gateways.values()].map((gateway) =>
    watchConsulKv({
      consul,
      prefix: "gw",
      datacenter: "dc1",
      state: gateway.state,
      signal: controller.signal,
      waitMs: 1_000,
    }),
  );
  t.after(async () => {
    controller.abort();
    await Promise.all(watches);
  });
  await eventually(() => double.blockedQueries() >= 2, 5_000, "both watches to block");
  const westHits = () => siteHits(world, "west");
  const send = async (n: number) => {
    for (let i = 0; i < n; i++) {
      for (const gateway of world.gateways.values()) {
        const res = await fetch(`${gateway.url}/`);
        assert.equal(res.status, 200, await res.text());
      }
    }
  };
  await send(5);
  assert.ok(westHits() > 0, "west serves before the compromise");
  assert.equal(await writeOverrideToKv(consul, "gw", "dc1", "west", { compromised: true }), true);
  const compromised = (id: string) => {
    const snapshot = world.gateway(id).state.snapshot;
    return snapshot.sites[snapshot.siteIndex.get("west") ?? -1]?.state === "compromised";
  };
  await eventually(() => compromised("west") && compromised("east"), 5_000, "every gateway");
  const before = westHits();
  await send(20);
  assert.equal(westHits(), before, "no request reached the compromised site");
});
