/**
 * The blocking-query loop: its rules as tables, and the loop against the Consul double
 * through the one Consul client (index resets, spurious wake-ups, errors, abort, recovery).
 */
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { eventually } from "../../gateway/testing/fixtures.ts";
import { startDouble } from "../testing/consul-double/double-fixture.ts";
import { backoffDelay, blockingLoop, nextIndex } from "./blocking-loop.ts";
import { consulHttp, datacenterAnswers } from "./consul-http.ts";
import { healthServiceQuery } from "./consul-queries.ts";
import { type InstanceVerdict, instanceVerdicts } from "./service-health.ts";

for (const [name, previous, answered, expected] of [
  ["a newer index is the next one to block on", 10, 12, 12],
  ["the same index (a timeout) is kept", 12, 12, 12],
  ["an index that went backwards resets to 0", 12, 5, 0],
  ["an index of 0 becomes 1, so the next query still blocks", 12, 0, 1],
  ["a missing index (NaN) becomes 1", 3, Number.NaN, 1],
] as const) {
  test(name, () => assert.equal(nextIndex(previous, answered), expected));
}

test("back-off doubles up to its ceiling, with full jitter below it", () => {
  const top = () => 0.999_999;
  assert.deepEqual(
    [1, 2, 3, 4, 10].map((n) => backoffDelay(n, 100, 1_000, top)),
    [99, 199, 399, 799, 999],
  );
  assert.equal(
    backoffDelay(5, 100, 1_000, () => 0),
    0,
  );
});

async function watchWorld(t: TestContext) {
  const double = await startDouble(t, { datacenters: ["bue"] });
  const node = { Node: "bue-1", Address: "127.0.0.1" };
  double.setService("bue", node, { ID: "app-1", Service: "app", Port: 18011 }, [
    { CheckID: "app-ok", Status: "passing" },
  ]);
  const controller = new AbortController();
  const changes: InstanceVerdict[][] = [];
  const errors: number[] = [];
  const http = consulHttp({ address: double.url });
  const loop = blockingLoop({
    query: healthServiceQuery(http, "app", "bue", 200),
    onChange: (entries) => changes.push(instanceVerdicts(entries)),
    // Dedupe on what routing acts on: raw answers also differ in Consul's own index fields.
    key: (entries) => JSON.stringify(instanceVerdicts(entries)),
    onError: (_error, failures) => errors.push(failures),
    signal: controller.signal,
    backoff: { baseMs: 10, maxMs: 50 },
  });
  t.after(async () => {
    controller.abort();
    await loop;
    await http.close();
  });
  return { double, controller, changes, errors, loop };
}

test("a check going critical in Consul is seen as the instance going down", async (t) => {
  const w = await watchWorld(t);
  await eventually(() => w.changes.length === 1, 10_000, "the first answer");
  assert.deepEqual(w.changes[0], [{ backend: "127.0.0.1:18011", up: true }]);
  w.double.setCheckStatus("bue", "app-ok", "critical");
  await eventually(() => w.changes.length === 2, 10_000, "the change");
  assert.deepEqual(w.changes[1], [{ backend: "127.0.0.1:18011", up: false }]);
});

test("node maintenance takes the instance out", async (t) => {
  const w = await watchWorld(t);
  await eventually(() => w.changes.length === 1, 10_000, "the first answer");
  w.double.setNodeMaintenance("bue", "bue-1", true);
  await eventually(() => w.changes.length === 2, 10_000, "the change");
  assert.equal(w.changes[1]?.[0]?.up, false);
});

test("a wake-up without a change is not a change", async (t) => {
  const w = await watchWorld(t);
  await eventually(() => w.changes.length === 1, 10_000, "the first answer");
  await eventually(() => w.double.blockedQueries() > 0, 10_000, "the loop to block");
  w.double.wakeWithoutChange("bue");
  await eventually(() => w.double.blockedQueries() > 0, 10_000, "the loop to block again");
  w.double.setCheckStatus("bue", "app-ok", "warning");
  await eventually(() => w.changes.length === 2, 10_000, "the real change");
  assert.equal(w.changes.length, 2, "the wake-up itself told nobody");
});

test("an index that goes backwards (a restore) is followed, and later changes still arrive", async (t) => {
  const w = await watchWorld(t);
  await eventually(() => w.changes.length === 1, 10_000, "the first answer");
  await eventually(() => w.double.blockedQueries() > 0, 10_000, "the loop to block");
  w.double.resetIndex("bue", 1);
  w.double.setCheckStatus("bue", "app-ok", "critical");
  await eventually(() => w.changes.length === 2, 10_000, "the change after the restore");
  assert.equal(w.changes[1]?.[0]?.up, false);
});

test("5xx answers back off and then recover, keeping the last state meanwhile", async (t) => {
  const w = await watchWorld(t);
  await eventually(() => w.changes.length === 1, 10_000, "the first answer");
  await eventually(() => w.double.blockedQueries() > 0, 10_000, "the loop to block");
  w.double.failNext(3, 500);
  w.double.wakeWithoutChange("bue");
  await eventually(() => w.errors.length === 3, 10_000, "three failed queries");
  assert.deepEqual(w.errors, [1, 2, 3], "the failure count grows while errors last");
  assert.equal(w.changes.length, 1, "errors change nothing: the last state stands");
  await eventually(
    () => w.double.blockedQueries() > 0,
    10_000,
    "the loop to recover and block again",
  );
  w.double.setCheckStatus("bue", "app-ok", "critical");
  await eventually(() => w.changes.length === 2, 10_000, "the change after recovery");
  assert.equal(w.changes[1]?.[0]?.up, false);
});

test("aborting stops the loop at once, even while a query is blocked", async (t) => {
  const w = await watchWorld(t);
  await eventually(() => w.double.blockedQueries() > 0, 10_000, "the loop to block");
  const started = Date.now();
  w.controller.abort();
  await w.loop;
  assert.ok(Date.now() - started < 2_000, "the blocked query was cancelled, not waited out");
});

test("after a failure the next query asks with index 0: an index above Consul's own does not hold it a whole wait", async (t) => {
  const double = await startDouble(t, { datacenters: ["bue"] });
  double.putKV("bue", "k", "v");
  const http = consulHttp({ address: double.url });
  const controller = new AbortController();
  const asked: number[] = [];
  let failNext = false;
  const loop = blockingLoop({
    query: async (index, signal) => {
      asked.push(index);
      if (failNext) {
        failNext = false;
        throw new Error("the agent restarted");
      }
      const answer = await http.call({ path: "/v1/kv/k", query: { index, wait: "60s" }, signal });
      return { index: answer.index ?? Number.NaN, body: answer.text };
    },
    onChange: () => undefined,
    signal: controller.signal,
    backoff: { baseMs: 1, maxMs: 5 },
  });
  t.after(async () => {
    controller.abort();
    await loop;
    await http.close();
  });
  await eventually(() => double.blockedQueries() > 0, 10_000, "the loop to block");
  failNext = true;
  double.resetIndex("bue", 0); // a restore: everything blocked answers, indexes go back
  await eventually(() => asked.length >= 4, 10_000, "the queries after the failure");
  const afterFailure = asked[asked.indexOf(0, 1)];
  assert.equal(afterFailure, 0, `the query after the failure was a fresh read (asked ${asked})`);
});

test("a recovery probe cuts a long back-off short once Consul answers again", async (t) => {
  const double = await startDouble(t, { datacenters: ["bue"] });
  const http = consulHttp({ address: double.url });
  const controller = new AbortController();
  const answers: number[] = [];
  double.failAll(true, 500);
  const loop = blockingLoop({
    query: healthServiceQuery(http, "app", "bue", 200),
    onChange: () => undefined,
    onAnswer: () => answers.push(Date.now()),
    signal: controller.signal,
    // A back-off this long would outlast the test; only the probe can end it.
    backoff: { baseMs: 600_000, maxMs: 600_000 },
    random: () => 0.99,
    recovery: { probe: (signal) => datacenterAnswers(http, "bue", signal), intervalMs: 50 },
  });
  t.after(async () => {
    controller.abort();
    await loop;
    await http.close();
  });
  await eventually(() => double.requests().length >= 3, 10_000, "failed queries and probes");
  const backAt = Date.now();
  double.failAll(false);
  await eventually(() => answers.length > 0, 5_000, "the first good answer after Consul's return");
  assert.ok((answers[0] ?? 0) - backAt < 5_000);
});
