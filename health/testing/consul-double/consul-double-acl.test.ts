// I/O: ACLs (acl.ts): KV reads refused or filtered, writes refused, catalog and health lists
// filtered with the header that says so, unknown tokens refused.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ruleFor } from "./acl.ts";
import { call, put, seedWeb, startDouble } from "./double-fixture.ts";

for (const [name, rules, key, expected] of [
  [
    "an exact rule wins over a prefix rule",
    { key: { "gw/x": "deny" }, key_prefix: { "gw/": "write" } },
    "gw/x",
    "deny",
  ],
  [
    "the longest prefix wins",
    { key_prefix: { "": "read", "gw/flags/": "deny" } },
    "gw/flags/a",
    "deny",
  ],
  [
    "a shorter prefix applies where the longer does not",
    { key_prefix: { "": "read", "gw/flags/": "deny" } },
    "gw/sites/a",
    "read",
  ],
  [
    "nothing matching leaves it to the default policy",
    { key_prefix: { "other/": "write" } },
    "gw/a",
    undefined,
  ],
] as const) {
  test(name, () => assert.equal(ruleFor(rules, "key", key), expected));
}

async function aclDouble(t: Parameters<typeof startDouble>[0]) {
  const double = await startDouble(t);
  double.putKV("dc1", "gw/sentinel", "{}");
  double.putKV("dc1", "gw/flags/a", '{"compromised":true}');
  double.putKV("dc1", "other/x", "1");
  seedWeb(double);
  double.acl(true, "deny");
  double.setToken("reader", {
    key_prefix: { "gw/": "read" },
    service_prefix: { "": "read" },
    node_prefix: { "": "read" },
  });
  double.setToken("ops", { key_prefix: { "gw/": "write" } });
  double.setToken("nobody", {});
  return double;
}

const as = (token: string) => ({ headers: { "x-consul-token": token } });

test("a single key the token may not read answers 403 without an index", async (t) => {
  const double = await aclDouble(t);
  const res = await fetch(`${double.url}/v1/kv/gw/flags/a`, as("nobody"));
  assert.equal(res.status, 403);
  assert.equal(res.headers.get("x-consul-index"), null);
  assert.equal((await fetch(`${double.url}/v1/kv/gw/flags/a`, as("reader"))).status, 200);
});

test("a list hides what the token may not read, and an all-hidden list is a 404 like an empty one", async (t) => {
  const double = await aclDouble(t);
  const hidden = await fetch(`${double.url}/v1/kv/gw/?recurse`, as("nobody"));
  assert.equal(hidden.status, 404, "indistinguishable from an empty prefix: hence a sentinel");
  assert.ok(Number(hidden.headers.get("x-consul-index")) >= 1);
  const all = await fetch(`${double.url}/v1/kv/?recurse`, as("reader"));
  const keys = ((await all.json()) as { Key: string }[]).map((p) => p.Key);
  assert.deepEqual(keys, ["gw/flags/a", "gw/sentinel"]);
});

test("a write without key:write is refused; an operator's token writes", async (t) => {
  const double = await aclDouble(t);
  const refused = await fetch(`${double.url}/v1/kv/gw/flags/a`, {
    method: "PUT",
    body: "{}",
    ...as("reader"),
  });
  assert.equal(refused.status, 403);
  const done = await fetch(`${double.url}/v1/kv/gw/flags/a`, {
    method: "PUT",
    body: "{}",
    ...as("ops"),
  });
  assert.equal(await done.text(), "true");
});

test("health and catalog lists are filtered to [] with the header, never refused", async (t) => {
  const double = await aclDouble(t);
  const res = await fetch(`${double.url}/v1/health/service/web`, as("nobody"));
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), []);
  assert.equal(res.headers.get("x-consul-results-filtered-by-acls"), "true");
  const seen = await fetch(`${double.url}/v1/health/service/web`, as("reader"));
  assert.equal(((await seen.json()) as unknown[]).length, 1);
  assert.equal(seen.headers.get("x-consul-results-filtered-by-acls"), null);
  const nodes = await fetch(`${double.url}/v1/catalog/nodes`, as("nobody"));
  assert.deepEqual(await nodes.json(), []);
});

test("an unknown token is refused; the anonymous token's rules apply to requests without one", async (t) => {
  const double = await aclDouble(t);
  assert.deepEqual([(await call(double, "/v1/kv/gw/sentinel?token=forged")).status], [403]);
  assert.equal((await call(double, "/v1/kv/gw/sentinel")).status, 403, "anonymous: default deny");
  double.setToken("anonymous", { key_prefix: { "": "read" } });
  assert.equal((await call(double, "/v1/kv/gw/sentinel")).status, 200);
  double.acl(false);
  assert.equal(
    (await put(double, "/v1/kv/gw/flags/b", "{}")).json,
    true,
    "ACLs off: anything goes",
  );
});
