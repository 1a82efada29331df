// I/O: the KV edge cases Consul's own handler and state store define
// (agent/kvs_endpoint.go, agent/consul/state/kvs.go), one per test.
import assert from "node:assert/strict";
import { test } from "node:test";
import { call, put, startDouble } from "./double-fixture.ts";

const del = (path: string) => ({ path, init: { method: "DELETE" } });

test("DELETE ?cas on a missing key answers true: there is nothing to protect", async (t) => {
  const double = await startDouble(t);
  const { path, init } = del("/v1/kv/missing?cas=7");
  assert.equal((await call(double, path, init)).json, true);
});

test("DELETE ?recurse&cas is a 400: the flags conflict", async (t) => {
  const double = await startDouble(t);
  const got = await call(double, "/v1/kv/gw/?recurse&cas=1", { method: "DELETE" });
  assert.equal(got.status, 400);
  assert.match(got.text, /^Conflicting flags/);
});

test("DELETE /v1/kv/ without a key (and without recurse) is a 400", async (t) => {
  const double = await startDouble(t);
  const got = await call(double, "/v1/kv/", { method: "DELETE" });
  assert.deepEqual([got.status, got.text], [400, "Missing key name"]);
});

test("GET /v1/kv/ without a key or recurse is a 400", async (t) => {
  const double = await startDouble(t);
  const got = await call(double, "/v1/kv/");
  assert.deepEqual([got.status, got.text], [400, "Missing key name"]);
});

test("?keys on the empty root answers 200 []; on an empty prefix 404, as Consul's handler does", async (t) => {
  const double = await startDouble(t);
  const root = await call(double, "/v1/kv/?keys");
  assert.deepEqual([root.status, root.json], [200, []]);
  assert.equal((await call(double, "/v1/kv/gw/?keys")).status, 404);
});

test("an empty answer carries the KV table's index, never below 1", async (t) => {
  const double = await startDouble(t);
  assert.equal((await call(double, "/v1/kv/gw/?recurse")).index, 1);
  await put(double, "/v1/kv/elsewhere", "v");
  const written = (await call(double, "/v1/kv/elsewhere")).index;
  const empty = await call(double, "/v1/kv/gw/?recurse");
  assert.equal(empty.status, 404);
  assert.equal(empty.index, written, "the table's index: the last KV write anywhere");
  assert.equal((await call(double, "/v1/kv/gw/missing")).index, written);
});

test("a PUT of the value a key holds keeps its ModifyIndex, so a cas on it still holds", async (t) => {
  const double = await startDouble(t);
  await put(double, "/v1/kv/k", "same");
  const first = (await call(double, "/v1/kv/k")).index;
  await put(double, "/v1/kv/k", "same");
  assert.equal((await call(double, "/v1/kv/k")).index, first);
  assert.equal((await put(double, `/v1/kv/k?cas=${first}`, "new")).json, true);
});
