// I/O: the double's KV endpoints (api-docs/kv): values, cas rules, lists, blocking.
import assert from "node:assert/strict";
import { test } from "node:test";
import { call, parked, put, startDouble } from "./double-fixture.ts";

interface Pair {
  Key: string;
  Value: string | null;
  Flags: number;
  CreateIndex: number;
  ModifyIndex: number;
  LockIndex: number;
}

const pairs = (json: unknown): Pair[] => json as Pair[];

test("a missing key answers 404 and still carries an index to block on", async (t) => {
  const double = await startDouble(t);
  const got = await call(double, "/v1/kv/config/missing");
  assert.equal(got.status, 404);
  assert.ok((got.index ?? 0) >= 1);
});

test("a PUT stores the body; GET returns it base64 with its flags and indexes, ?raw as bytes", async (t) => {
  const double = await startDouble(t);
  assert.equal((await put(double, "/v1/kv/config/policy?flags=42", "spill: 0.8")).json, true);
  const got = await call(double, "/v1/kv/config/policy");
  const [pair] = pairs(got.json);
  assert.deepEqual(
    { Key: pair?.Key, Flags: pair?.Flags, LockIndex: pair?.LockIndex },
    { Key: "config/policy", Flags: 42, LockIndex: 0 },
  );
  assert.equal(Buffer.from(pair?.Value ?? "", "base64").toString(), "spill: 0.8");
  assert.equal(pair?.CreateIndex, pair?.ModifyIndex);
  assert.equal(got.index, pair?.ModifyIndex);
  const raw = await call(double, "/v1/kv/config/policy?raw");
  assert.equal(raw.text, "spill: 0.8");
  assert.match(raw.headers.get("content-type") ?? "", /^text\/plain/);
});

test("cas=0 writes only when the key is absent", async (t) => {
  const double = await startDouble(t);
  assert.equal((await put(double, "/v1/kv/lock?cas=0", "first")).json, true);
  assert.equal((await put(double, "/v1/kv/lock?cas=0", "second")).json, false);
  const [pair] = pairs((await call(double, "/v1/kv/lock")).json);
  assert.equal(Buffer.from(pair?.Value ?? "", "base64").toString(), "first");
});

test("cas=N writes only when N is the key's ModifyIndex, and keeps CreateIndex", async (t) => {
  const double = await startDouble(t);
  await put(double, "/v1/kv/k", "v1");
  const [v1] = pairs((await call(double, "/v1/kv/k")).json);
  const modify = v1?.ModifyIndex ?? 0;
  assert.equal((await put(double, `/v1/kv/k?cas=${modify - 1}`, "stale")).json, false);
  assert.equal((await put(double, `/v1/kv/k?cas=${modify}`, "v2")).json, true);
  assert.equal((await put(double, `/v1/kv/k?cas=${modify}`, "v3")).json, false, "the index moved");
  const [v2] = pairs((await call(double, "/v1/kv/k")).json);
  assert.equal(Buffer.from(v2?.Value ?? "", "base64").toString(), "v2");
  assert.equal(v2?.CreateIndex, v1?.CreateIndex);
  assert.ok((v2?.ModifyIndex ?? 0) > modify);
});

test("DELETE with cas=0 deletes nothing; with the key's ModifyIndex it deletes", async (t) => {
  const double = await startDouble(t);
  double.putKV("dc1", "k", "v");
  const [pair] = pairs((await call(double, "/v1/kv/k")).json);
  assert.equal((await call(double, "/v1/kv/k?cas=0", { method: "DELETE" })).json, false);
  assert.equal((await call(double, "/v1/kv/k?cas=999", { method: "DELETE" })).json, false);
  assert.equal((await call(double, "/v1/kv/k")).status, 200);
  assert.equal(
    (await call(double, `/v1/kv/k?cas=${pair?.ModifyIndex}`, { method: "DELETE" })).json,
    true,
  );
  assert.equal((await call(double, "/v1/kv/k")).status, 404);
});

test("?recurse lists a prefix, and its index is the highest ModifyIndex within it", async (t) => {
  const double = await startDouble(t);
  double.putKV("dc1", "sites/eu", "1");
  const latest = double.putKV("dc1", "sites/us", "2");
  double.putKV("dc1", "other", "3");
  const got = await call(double, "/v1/kv/sites/?recurse");
  assert.deepEqual(
    pairs(got.json).map((p) => p.Key),
    ["sites/eu", "sites/us"],
  );
  assert.equal(got.index, latest);
});

test("?keys lists key names, one level deep with a separator", async (t) => {
  const double = await startDouble(t);
  for (const key of ["web/a", "web/b", "web/sub/c", "web/sub/d"]) double.putKV("dc1", key, "x");
  assert.deepEqual((await call(double, "/v1/kv/web/?keys")).json, [
    "web/a",
    "web/b",
    "web/sub/c",
    "web/sub/d",
  ]);
  assert.deepEqual((await call(double, "/v1/kv/web/?keys&separator=/")).json, [
    "web/a",
    "web/b",
    "web/sub/",
  ]);
});

test("deleting a list's newest key moves its index forward, and after a reap it can go backwards", async (t) => {
  const double = await startDouble(t);
  const first = double.putKV("dc1", "sites/eu", "1");
  double.putKV("dc1", "sites/us", "2");
  assert.equal((await call(double, "/v1/kv/sites/?recurse", { method: "DELETE" })).json, true);
  const afterDelete = await call(double, "/v1/kv/sites/?recurse");
  assert.equal(afterDelete.status, 404);
  double.putKV("dc1", "sites/eu", "1"); // re-created: newer than the tombstones
  const recreated = (await call(double, "/v1/kv/sites/?recurse")).index ?? 0;
  assert.ok(recreated > (afterDelete.index ?? 0));
  double.putKV("dc1", "sites/us", "2");
  double.deleteKV("dc1", "sites/us");
  double.reapTombstones("dc1");
  const reaped = (await call(double, "/v1/kv/sites/?recurse")).index ?? 0;
  assert.equal(reaped, recreated, "back to the newest remaining key");
  assert.ok(reaped > first);
});

test("a watcher of one key wakes on its change, not on another key's", async (t) => {
  const double = await startDouble(t);
  const written = double.putKV("dc1", "watched", "1");
  const { answer } = await parked(double, `/v1/kv/watched?index=${written}&wait=5s`);
  double.putKV("dc1", "unrelated", "x");
  assert.equal(double.blockedQueries(), 1);
  const changed = double.putKV("dc1", "watched", "2");
  assert.equal((await answer).index, changed);
});

test("a watcher of a missing key wakes when it is created", async (t) => {
  const double = await startDouble(t);
  const missing = await call(double, "/v1/kv/later");
  const { answer } = await parked(double, `/v1/kv/later?index=${missing.index}&wait=5s`);
  await put(double, "/v1/kv/later", "now");
  const got = await answer;
  assert.equal(got.status, 200);
  assert.ok((got.index ?? 0) > (missing.index ?? 0));
});

test("a value over 512 KiB answers 413 and stores nothing", async (t) => {
  const double = await startDouble(t);
  const big = new Uint8Array(512 * 1024 + 1);
  assert.equal((await put(double, "/v1/kv/big", big)).status, 413);
  assert.equal((await call(double, "/v1/kv/big")).status, 404);
});

test("locks are out of scope: ?acquire answers 400 rather than pretending", async (t) => {
  const double = await startDouble(t);
  assert.equal((await put(double, "/v1/kv/leader?acquire=abc", "me")).status, 400);
});
