// I/O: the double's local-agent endpoints (api-docs/agent/service, api-docs/agent/check):
// register, deregister, TTL check updates, maintenance, and sync to the catalog.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ConsulDouble } from "./consul-double.ts";
import { call, put, startDouble, until } from "./double-fixture.ts";

interface Entry {
  Node: { Node: string };
  Service: {
    ID: string;
    Service: string;
    Address: string;
    Port: number;
    Tags: string[];
    Meta: object;
  };
  Checks: { CheckID: string; Name: string; Status: string; Output: string }[];
}

const REGISTRATION = {
  ID: "gw-eu-1",
  Name: "gateway",
  Address: "10.1.0.5",
  Port: 8443,
  Tags: ["eu"],
  Meta: { site: "eu" },
  Check: { HTTP: "http://10.1.0.5:8443/health", Interval: "10s" },
};

async function entries(double: ConsulDouble, service = "gateway"): Promise<Entry[]> {
  return (await call(double, `/v1/health/service/${service}`)).json as Entry[];
}

test("register puts the service in the agent and the catalog, its check starting critical", async (t) => {
  const double = await startDouble(t);
  assert.equal(
    (await put(double, "/v1/agent/service/register", JSON.stringify(REGISTRATION))).status,
    200,
  );
  const [entry] = await entries(double);
  assert.deepEqual(
    {
      node: entry?.Node.Node,
      id: entry?.Service.ID,
      port: entry?.Service.Port,
      meta: entry?.Service.Meta,
    },
    { node: "agent-one", id: "gw-eu-1", port: 8443, meta: { site: "eu" } },
  );
  const check = entry?.Checks.find((c) => c.CheckID === "service:gw-eu-1");
  assert.deepEqual([check?.Name, check?.Status], ["Service 'gateway' check", "critical"]);
  const [local] = double.registered();
  assert.equal(
    local?.Checks.get("service:gw-eu-1")?.Definition.HTTP,
    "http://10.1.0.5:8443/health",
  );
});

test("several checks get service:<id>:<n> IDs unless they name their own", async (t) => {
  const double = await startDouble(t);
  const body = {
    Name: "web",
    Checks: [
      { TTL: "30s" },
      { TCP: "10.0.0.1:80", Interval: "5s" },
      { CheckID: "mine", TTL: "1m" },
    ],
  };
  await put(double, "/v1/agent/service/register", JSON.stringify(body));
  const ids = (await entries(double, "web"))[0]?.Checks.map((c) => c.CheckID).sort();
  assert.deepEqual(ids, ["mine", "serfHealth", "service:web:1", "service:web:2"]);
});

const INVALID: [string, unknown, RegExp][] = [
  ["a body that is not JSON", "{", /Request decode failed/],
  ["a service without a name", { ID: "x" }, /Missing service name/],
  [
    "an HTTP check without an interval",
    { Name: "x", Check: { HTTP: "http://x/" } },
    /Interval must be > 0/,
  ],
  [
    "a TTL check whose TTL is not a duration",
    { Name: "x", Check: { TTL: "soon" } },
    /TTL must be > 0/,
  ],
  ["a check with nothing to run", { Name: "x", Check: { Name: "empty" } }, /Invalid check/],
  [
    "a check with an unknown initial status",
    { Name: "x", Check: { TTL: "1s", Status: "ok" } },
    /Status/,
  ],
];
for (const [name, body, message] of INVALID) {
  test(`register refuses ${name} with 400`, async (t) => {
    const double = await startDouble(t);
    const got = await put(
      double,
      "/v1/agent/service/register",
      typeof body === "string" ? body : JSON.stringify(body),
    );
    assert.equal(got.status, 400);
    assert.match(got.text, message);
    assert.deepEqual(double.registered(), []);
  });
}

test("TTL pass, warn, fail and update set the check's status and output", async (t) => {
  const double = await startDouble(t);
  await put(
    double,
    "/v1/agent/service/register",
    JSON.stringify({ Name: "web", Check: { TTL: "30s" } }),
  );
  const status = async () =>
    (await entries(double, "web"))[0]?.Checks.find((c) => c.CheckID === "service:web");
  await put(double, "/v1/agent/check/pass/service:web?note=all%20good");
  assert.deepEqual([(await status())?.Status, (await status())?.Output], ["passing", "all good"]);
  await put(double, "/v1/agent/check/warn/service:web");
  assert.equal((await status())?.Status, "warning");
  await put(double, "/v1/agent/check/fail/service:web");
  assert.equal((await status())?.Status, "critical");
  await put(
    double,
    "/v1/agent/check/update/service:web",
    JSON.stringify({ Status: "passing", Output: "ok" }),
  );
  assert.deepEqual([(await status())?.Status, (await status())?.Output], ["passing", "ok"]);
  const bad = await put(
    double,
    "/v1/agent/check/update/service:web",
    JSON.stringify({ Status: "fine" }),
  );
  assert.equal(bad.status, 400);
});

test("a TTL update on an unknown check answers 404, on a non-TTL check 500", async (t) => {
  const double = await startDouble(t);
  await put(double, "/v1/agent/service/register", JSON.stringify(REGISTRATION));
  assert.equal((await put(double, "/v1/agent/check/pass/nope")).status, 404);
  const notTtl = await put(double, "/v1/agent/check/pass/service:gw-eu-1");
  assert.equal(notTtl.status, 500);
  assert.match(notTtl.text, /does not have associated TTL/);
});

test("a TTL check that is not refreshed in time goes critical", async (t) => {
  const double = await startDouble(t);
  const body = { Name: "web", Check: { TTL: "30ms", Status: "passing" } };
  await put(double, "/v1/agent/service/register", JSON.stringify(body));
  const check = () => double.registered()[0]?.Checks.get("service:web");
  assert.equal(check()?.Status, "passing");
  await until(() => check()?.Status === "critical", "the TTL to expire");
  const [entry] = await entries(double, "web");
  const synced = entry?.Checks.find((c) => c.CheckID === "service:web");
  assert.deepEqual([synced?.Status, synced?.Output], ["critical", "TTL expired"]);
});

test("HTTP checks are not run; setCheckStatus flips them as if the agent had", async (t) => {
  const double = await startDouble(t);
  await put(double, "/v1/agent/service/register", JSON.stringify(REGISTRATION));
  double.setCheckStatus("dc1", "service:gw-eu-1", "passing");
  assert.equal(double.registered()[0]?.Checks.get("service:gw-eu-1")?.Status, "passing");
  assert.equal(
    ((await call(double, "/v1/health/service/gateway?passing")).json as unknown[]).length,
    1,
  );
});

test("deregister removes the service and its checks from agent and catalog; an unknown ID is no error", async (t) => {
  const double = await startDouble(t);
  await put(double, "/v1/agent/service/register", JSON.stringify(REGISTRATION));
  assert.equal((await put(double, "/v1/agent/service/deregister/gw-eu-1")).status, 200);
  assert.deepEqual(await entries(double), []);
  assert.deepEqual(double.registered(), []);
  assert.equal((await put(double, "/v1/agent/service/deregister/never-was")).status, 200);
});

test("re-registering replaces the service; without replace-existing-checks old checks stay", async (t) => {
  const double = await startDouble(t);
  const first = { Name: "web", Checks: [{ CheckID: "a", TTL: "1m" }] };
  const second = { Name: "web", Port: 81, Checks: [{ CheckID: "b", TTL: "1m" }] };
  await put(double, "/v1/agent/service/register", JSON.stringify(first));
  await put(double, "/v1/agent/service/register", JSON.stringify(second));
  const checks = async () => (await entries(double, "web"))[0]?.Checks.map((c) => c.CheckID).sort();
  assert.deepEqual(await checks(), ["a", "b", "serfHealth"]);
  await put(double, "/v1/agent/service/register?replace-existing-checks", JSON.stringify(second));
  assert.deepEqual(await checks(), ["b", "serfHealth"]);
  assert.equal((await entries(double, "web"))[0]?.Service.Port, 81);
});

test("the agent's maintenance endpoints add and remove the maintenance checks", async (t) => {
  const double = await startDouble(t);
  await put(
    double,
    "/v1/agent/service/register",
    JSON.stringify({ Name: "web", Check: { TTL: "1m", Status: "passing" } }),
  );
  const checkIds = async () =>
    (await entries(double, "web"))[0]?.Checks.map((c) => c.CheckID).sort();
  await put(double, "/v1/agent/service/maintenance/web?enable=true&reason=deploy");
  await put(double, "/v1/agent/maintenance?enable=true");
  assert.deepEqual(await checkIds(), [
    "_node_maintenance",
    "_service_maintenance:web",
    "serfHealth",
    "service:web",
  ]);
  await put(double, "/v1/agent/service/maintenance/web?enable=false");
  await put(double, "/v1/agent/maintenance?enable=false");
  assert.deepEqual(await checkIds(), ["serfHealth", "service:web"]);
  assert.equal((await put(double, "/v1/agent/maintenance")).status, 400, "enable is required");
  assert.equal((await put(double, "/v1/agent/service/maintenance/nope?enable=true")).status, 404);
});

test("without a leader the agent accepts a registration; it reaches the catalog when a leader is back", async (t) => {
  const double = await startDouble(t);
  double.leaderless(true);
  assert.equal(
    (await put(double, "/v1/agent/service/register", JSON.stringify(REGISTRATION))).status,
    200,
  );
  assert.equal(double.registered().length, 1);
  assert.deepEqual((await call(double, "/v1/health/service/gateway?stale")).json, []);
  double.leaderless(false);
  assert.equal((await entries(double)).length, 1);
});
