// I/O: the faults tests switch on (5xx, slow answers, no leader), consistency modes
// (api-docs/features/consistency), and the request log.
import assert from "node:assert/strict";
import { test } from "node:test";
import { call, put, seedWeb, startDouble } from "./double-fixture.ts";

test("failNext answers the next requests with the status asked for, then recovers", async (t) => {
  const double = await startDouble(t);
  double.failNext(2, 503);
  assert.equal((await call(double, "/v1/catalog/services")).status, 503);
  assert.equal((await put(double, "/v1/kv/k", "v")).status, 503);
  assert.equal((await call(double, "/v1/kv/k")).status, 404, "the failed PUT stored nothing");
  double.failNext(1);
  assert.equal((await call(double, "/v1/catalog/services")).status, 500, "500 by default");
});

test("failAll fails every request until it is switched off", async (t) => {
  const double = await startDouble(t);
  double.failAll(true);
  for (let i = 0; i < 3; i++)
    assert.equal((await call(double, "/v1/catalog/datacenters")).status, 500);
  double.failAll(false);
  assert.equal((await call(double, "/v1/catalog/datacenters")).status, 200);
});

test("slow holds every answer for the time asked", async (t) => {
  const double = await startDouble(t);
  double.slow(80);
  const started = performance.now();
  assert.equal((await call(double, "/v1/catalog/services")).status, 200);
  assert.ok(performance.now() - started >= 75, "answered late");
  double.slow(0);
});

test("without a leader: KnownLeader false, default and consistent reads 500, stale reads and datacenters work", async (t) => {
  const double = await startDouble(t);
  seedWeb(double);
  double.leaderless(true);
  const plain = await call(double, "/v1/health/service/web");
  assert.deepEqual([plain.status, plain.text], [500, "No cluster leader"]);
  assert.equal((await call(double, "/v1/kv/x?consistent")).status, 500);
  const stale = await call(double, "/v1/health/service/web?stale");
  assert.equal(stale.status, 200);
  assert.equal(stale.headers.get("x-consul-knownleader"), "false");
  assert.equal(stale.headers.get("x-consul-effective-consistency"), "stale");
  assert.equal((await call(double, "/v1/catalog/datacenters")).status, 200, "needs no leader");
  assert.equal((await put(double, "/v1/kv/x", "v")).text, "No cluster leader");
  double.leaderless(false);
  assert.equal(
    (await call(double, "/v1/health/service/web")).headers.get("x-consul-knownleader"),
    "true",
  );
});

test("lastContact sets X-Consul-LastContact in milliseconds", async (t) => {
  const double = await startDouble(t);
  double.lastContact(1_250);
  assert.equal(
    (await call(double, "/v1/catalog/services?stale")).headers.get("x-consul-lastcontact"),
    "1250",
  );
});

test("stale together with consistent answers 400; consistent alone is reported as such", async (t) => {
  const double = await startDouble(t);
  assert.equal((await call(double, "/v1/catalog/services?stale&consistent")).status, 400);
  const consistent = await call(double, "/v1/catalog/services?consistent");
  assert.equal(consistent.headers.get("x-consul-effective-consistency"), "consistent");
});

test("query features the double does not have answer 400 instead of being ignored", async (t) => {
  const double = await startDouble(t);
  const got = await call(double, "/v1/health/service/web?filter=Service.Port%3D%3D80");
  assert.equal(got.status, 400);
  assert.match(got.text, /not supported/);
});

test("unknown paths answer 404 and known paths with another method 405", async (t) => {
  const double = await startDouble(t);
  assert.equal((await call(double, "/v1/acl/tokens")).status, 404);
  assert.equal((await call(double, "/v1/agent/service/register")).status, 405);
  assert.equal((await call(double, "/v1/catalog/services", { method: "PUT" })).status, 405);
});

test("requests() logs method, path, query and body in arrival order", async (t) => {
  const double = await startDouble(t, { now: () => 42 });
  await call(double, "/v1/health/service/web?passing&index=0");
  await put(double, "/v1/kv/a%2Fb?cas=0", "body");
  assert.deepEqual(double.requests(), [
    {
      method: "GET",
      path: "/v1/health/service/web",
      query: { passing: "", index: "0" },
      body: "",
      atMs: 42,
    },
    { method: "PUT", path: "/v1/kv/a%2Fb", query: { cas: "0" }, body: "body", atMs: 42 },
  ]);
  assert.equal(
    (await call(double, "/v1/kv/a/b")).status,
    200,
    "encoded slashes are part of the key",
  );
});
