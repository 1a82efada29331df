// I/O: the double's blocking queries and index rules (api-docs/features/blocking), over
// real HTTP. Watchers are known to be parked by polling `blockedQueries()`, never by sleeping.
import assert from "node:assert/strict";
import { test } from "node:test";
import { call, parked, seedWeb, startDouble, until, WEB_NODE } from "./double-fixture.ts";
import { DEFAULT_WAIT_MS, holdMs, MAX_WAIT_MS } from "./http-reads.ts";

test("a query without an index answers at once with the index, leader and last-contact headers", async (t) => {
  const double = await startDouble(t);
  const written = seedWeb(double);
  const got = await call(double, "/v1/health/service/web");
  assert.equal(got.status, 200);
  assert.equal(got.index, written);
  assert.equal(got.headers.get("x-consul-knownleader"), "true");
  assert.equal(got.headers.get("x-consul-lastcontact"), "0");
  assert.equal(got.headers.get("x-consul-effective-consistency"), "leader");
});

test("a blocking query whose index is older than the endpoint's answers at once", async (t) => {
  const double = await startDouble(t);
  const written = seedWeb(double);
  const got = await call(double, `/v1/health/service/web?index=${written - 1}&wait=5s`);
  assert.equal(got.index, written);
  assert.equal(double.blockedQueries(), 0);
});

test("a blocking query holds until a write changes its result, then answers with the new index", async (t) => {
  const double = await startDouble(t);
  const before = seedWeb(double);
  const { answer } = await parked(double, `/v1/health/service/web?index=${before}&wait=5s`);
  const after = double.setCheckStatus("dc1", "service:web-1", "critical");
  const got = await answer;
  assert.equal(got.index, after);
  assert.ok(after > before);
  const [entry] = got.json as { Checks: { CheckID: string; Status: string }[] }[];
  assert.equal(entry?.Checks.find((c) => c.CheckID === "service:web-1")?.Status, "critical");
});

test("a blocking query answers after wait with the same index when nothing changed", async (t) => {
  const double = await startDouble(t);
  const written = seedWeb(double);
  const started = performance.now();
  const got = await call(double, `/v1/health/service/web?index=${written}&wait=100ms`);
  assert.ok(performance.now() - started >= 95, "held for about the wait");
  assert.equal(got.status, 200);
  assert.equal(got.index, written);
});

test("a write to another service does not wake a watcher of this one", async (t) => {
  const double = await startDouble(t);
  const written = seedWeb(double);
  const { answer } = await parked(double, `/v1/health/service/web?index=${written}&wait=150ms`);
  double.setService("dc1", { Node: "api-1" }, { Service: "api" });
  assert.equal(double.blockedQueries(), 1, "still parked after the unrelated write");
  assert.equal((await answer).index, written);
});

test("a spurious wake-up answers with a higher index and the same body", async (t) => {
  const double = await startDouble(t);
  const written = seedWeb(double);
  const plain = await call(double, "/v1/health/service/web");
  const { answer } = await parked(double, `/v1/health/service/web?index=${written}&wait=5s`);
  const bumped = double.wakeWithoutChange("dc1");
  const got = await answer;
  assert.equal(got.index, bumped);
  assert.ok(bumped > written);
  assert.deepEqual(got.json, plain.json);
});

test("an index going backwards answers every blocked query at once with the lower index", async (t) => {
  const double = await startDouble(t);
  for (let i = 0; i < 5; i++) double.putKV("dc1", `filler/${i}`, "x");
  const written = seedWeb(double);
  const { answer } = await parked(double, `/v1/health/service/web?index=${written}&wait=5s`);
  double.resetIndex("dc1", 3);
  const got = await answer;
  assert.equal(got.index, 3);
  assert.ok(got.index < written, "the index went backwards");
  assert.equal(double.index("dc1"), 3);
});

test("after the index went backwards a query with the old index blocks until wait, so clients must reset", async (t) => {
  const double = await startDouble(t);
  for (let i = 0; i < 5; i++) double.putKV("dc1", `filler/${i}`, "x");
  const written = seedWeb(double);
  double.resetIndex("dc1", 2);
  const got = await call(double, `/v1/health/service/web?index=${written}&wait=100ms`);
  assert.equal(got.index, 2);
  const fresh = await call(double, "/v1/health/service/web?index=0");
  assert.equal(fresh.index, 2, "index 0 never blocks");
});

test("resetting to 0 reproduces the index-0 answer the blocking-queries page warns about", async (t) => {
  const double = await startDouble(t);
  seedWeb(double);
  double.resetIndex("dc1", 0);
  assert.equal((await call(double, "/v1/health/service/web")).index, 0);
});

test("an index or wait that does not parse answers 400", async (t) => {
  const double = await startDouble(t);
  assert.equal((await call(double, "/v1/catalog/services?index=abc")).status, 400);
  assert.equal(
    (await call(double, "/v1/catalog/services?index=1&wait=5")).text,
    "Invalid wait time",
  );
  assert.equal((await call(double, "/v1/catalog/services?index=1&wait=soon")).status, 400);
});

test("a watcher that disconnects is forgotten", async (t) => {
  const double = await startDouble(t);
  const written = seedWeb(double);
  const abort = new AbortController();
  const pending = call(double, `/v1/health/service/web?index=${written}&wait=5s`, {
    signal: abort.signal,
  });
  await until(() => double.blockedQueries() === 1, "the query to block");
  abort.abort();
  await assert.rejects(pending);
  await until(() => double.blockedQueries() === 0, "the double to drop the query");
});

test("closing the double answers the queries it still holds", async (t) => {
  const double = await startDouble(t);
  const written = seedWeb(double);
  const { answer } = await parked(double, `/v1/health/service/web?index=${written}&wait=5s`);
  await double.close();
  assert.equal((await answer).index, written);
});

test("each datacenter has its own index, selected with ?dc; an unknown one has no path", async (t) => {
  const double = await startDouble(t, { datacenters: ["dc1", "dc2"] });
  const dc1Before = double.index("dc1");
  const seeded = seedWeb(double, "dc2");
  double.putKV("dc2", "only/in/dc2", "x");
  assert.equal(double.index("dc1"), dc1Before, "writes to dc2 leave dc1's index alone");
  assert.equal(double.index("dc2"), seeded + 1);
  assert.deepEqual((await call(double, "/v1/health/service/web")).json, []);
  const dc2 = await call(double, "/v1/health/service/web?dc=dc2");
  assert.equal((dc2.json as unknown[]).length, 1);
  assert.equal(dc2.index, seeded, "the endpoint's index, not the datacenter's latest");
  const unknown = await call(double, "/v1/health/service/web?dc=mars");
  assert.equal(unknown.status, 500);
  assert.equal(unknown.text, "No path to datacenter");
});

test("removing an instance moves the service's index forward, not back", async (t) => {
  const double = await startDouble(t);
  seedWeb(double);
  const before = (await call(double, "/v1/health/service/web")).index ?? 0;
  const removed = double.removeService("dc1", WEB_NODE.Node, "web-1");
  const got = await call(double, `/v1/health/service/web?index=${before}`);
  assert.deepEqual(got.json, []);
  assert.equal(got.index, removed);
});

const HOLDS: [string, string | null, number, number | undefined][] = [
  ["an explicit wait, without stagger", "100ms", 0, 100],
  ["Go's compound durations", "1m30s", 0, 90_000],
  ["the stagger adds up to wait/16", "16s", 0.5, 16_500],
  ["no wait means 5 minutes", null, 0, DEFAULT_WAIT_MS],
  ["a zero wait means the default", "0", 0, DEFAULT_WAIT_MS],
  ["waits are capped at 10 minutes", "20m", 0, MAX_WAIT_MS],
  ["a number without a unit is not a wait", "5", 0, undefined],
  ["a negative wait is not a wait", "-1s", 0, undefined],
];
for (const [name, wait, random, expected] of HOLDS) {
  test(`hold time: ${name}`, () => {
    assert.equal(
      holdMs(wait, () => random),
      expected,
    );
  });
}
