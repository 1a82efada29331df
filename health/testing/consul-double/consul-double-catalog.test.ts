// I/O: the double's health, catalog and coordinate endpoints (api-docs/health, catalog,
// coordinate), over real HTTP.
import assert from "node:assert/strict";
import { test } from "node:test";
import { call, parked, seedWeb, startDouble, WEB_NODE } from "./double-fixture.ts";

interface Entry {
  Node: { Node: string; Address: string; Datacenter: string };
  Service: { ID: string; Service: string; Port: number; Tags: string[] };
  Checks: { CheckID: string; Status: string; ServiceID: string; ServiceName: string }[];
}

const ids = (json: unknown): string[] => (json as Entry[]).map((e) => e.Service.ID);

test("health/service lists each instance with its node, service, and node and service checks", async (t) => {
  const double = await startDouble(t);
  seedWeb(double);
  const [entry, ...rest] = (await call(double, "/v1/health/service/web")).json as Entry[];
  assert.equal(rest.length, 0);
  assert.deepEqual(
    { node: entry?.Node.Node, address: entry?.Node.Address, dc: entry?.Node.Datacenter },
    { node: "web-1", address: "10.0.0.1", dc: "dc1" },
  );
  assert.deepEqual(
    { id: entry?.Service.ID, port: entry?.Service.Port, tags: entry?.Service.Tags },
    { id: "web-1", port: 8080, tags: ["v1"] },
  );
  assert.deepEqual(
    entry?.Checks.map((c) => [c.CheckID, c.Status, c.ServiceID, c.ServiceName]),
    [
      ["serfHealth", "passing", "", ""],
      ["service:web-1", "passing", "web-1", "web"],
    ],
  );
});

test("?passing keeps only instances whose every check passes, and warning is not passing", async (t) => {
  const double = await startDouble(t);
  for (const n of [1, 2, 3]) {
    double.setService("dc1", { Node: `web-${n}` }, { ID: `web-${n}`, Service: "web" }, [
      { CheckID: `service:web-${n}`, Status: "passing" },
    ]);
  }
  double.setCheckStatus("dc1", "service:web-2", "warning");
  double.setCheckStatus("dc1", "serfHealth", "critical", "web-3");
  assert.deepEqual(ids((await call(double, "/v1/health/service/web?passing")).json), ["web-1"]);
  assert.deepEqual(ids((await call(double, "/v1/health/service/web?passing=true")).json), [
    "web-1",
  ]);
  assert.deepEqual(ids((await call(double, "/v1/health/service/web?passing=false")).json), [
    "web-1",
    "web-2",
    "web-3",
  ]);
  assert.equal((await call(double, "/v1/health/service/web?passing=maybe")).status, 400);
});

test("a check dropping out of ?passing still wakes the watcher of the passing list", async (t) => {
  const double = await startDouble(t);
  const written = seedWeb(double);
  const { answer } = await parked(
    double,
    `/v1/health/service/web?passing&index=${written}&wait=5s`,
  );
  double.setCheckStatus("dc1", "service:web-1", "critical");
  const got = await answer;
  assert.deepEqual(got.json, []);
  assert.ok((got.index ?? 0) > written);
});

test("node maintenance is a critical _node_maintenance check that drops the node from ?passing", async (t) => {
  const double = await startDouble(t);
  seedWeb(double);
  double.setNodeMaintenance("dc1", WEB_NODE.Node, true, "kernel upgrade");
  const [entry] = (await call(double, "/v1/health/service/web")).json as Entry[];
  const check = entry?.Checks.find((c) => c.CheckID === "_node_maintenance");
  assert.deepEqual([check?.Status, check?.ServiceID], ["critical", ""]);
  assert.deepEqual((await call(double, "/v1/health/service/web?passing")).json, []);
  double.setNodeMaintenance("dc1", WEB_NODE.Node, false);
  assert.deepEqual(ids((await call(double, "/v1/health/service/web?passing")).json), ["web-1"]);
});

test("service maintenance is a critical _service_maintenance:<id> check on that instance only", async (t) => {
  const double = await startDouble(t);
  seedWeb(double);
  double.setService("dc1", WEB_NODE, { ID: "web-2", Service: "web" });
  double.setServiceMaintenance("dc1", WEB_NODE.Node, "web-1", true);
  const entries = (await call(double, "/v1/health/service/web")).json as Entry[];
  const maintenance = entries.map((e) =>
    e.Checks.some((c) => c.CheckID === "_service_maintenance:web-1"),
  );
  assert.deepEqual(maintenance, [true, false]);
  assert.deepEqual(ids((await call(double, "/v1/health/service/web?passing")).json), ["web-2"]);
});

test("?tag keeps the instances that carry every tag asked for", async (t) => {
  const double = await startDouble(t);
  double.setService("dc1", { Node: "a" }, { ID: "web-a", Service: "web", Tags: ["v1", "eu"] });
  double.setService("dc1", { Node: "b" }, { ID: "web-b", Service: "web", Tags: ["v2"] });
  assert.deepEqual(ids((await call(double, "/v1/health/service/web?tag=v1&tag=eu")).json), [
    "web-a",
  ]);
  const catalog = (await call(double, "/v1/catalog/service/web?tag=v2")).json as {
    ServiceID: string;
  }[];
  assert.deepEqual(
    catalog.map((e) => e.ServiceID),
    ["web-b"],
  );
});

test("catalog/services maps each service name to every tag its instances carry", async (t) => {
  const double = await startDouble(t);
  double.setService("dc1", { Node: "a" }, { ID: "web-a", Service: "web", Tags: ["v1"] });
  double.setService("dc1", { Node: "b" }, { ID: "web-b", Service: "web", Tags: ["v2", "v1"] });
  double.setService("dc1", { Node: "b" }, { ID: "db", Service: "db" });
  assert.deepEqual((await call(double, "/v1/catalog/services")).json, {
    db: [],
    web: ["v1", "v2"],
  });
});

test("catalog/service lists the flat entries with node and Service* fields", async (t) => {
  const double = await startDouble(t);
  seedWeb(double);
  const [entry] = (await call(double, "/v1/catalog/service/web")).json as Record<string, unknown>[];
  const { Node, Address, Datacenter, ServiceID, ServiceName, ServicePort, ServiceTags } =
    entry ?? {};
  assert.deepEqual(
    { Node, Address, Datacenter, ServiceID, ServiceName, ServicePort, ServiceTags },
    {
      Node: "web-1",
      Address: "10.0.0.1",
      Datacenter: "dc1",
      ServiceID: "web-1",
      ServiceName: "web",
      ServicePort: 8080,
      ServiceTags: ["v1"],
    },
  );
});

test("a check status change moves the health index but not the catalog's", async (t) => {
  const double = await startDouble(t);
  seedWeb(double);
  const catalogBefore = (await call(double, "/v1/catalog/service/web")).index;
  const healthBefore = (await call(double, "/v1/health/service/web")).index;
  double.setCheckStatus("dc1", "service:web-1", "warning");
  assert.equal((await call(double, "/v1/catalog/service/web")).index, catalogBefore);
  assert.ok(((await call(double, "/v1/health/service/web")).index ?? 0) > (healthBefore ?? 0));
});

test("setting a check to the status it already has is not a write", async (t) => {
  const double = await startDouble(t);
  const written = seedWeb(double);
  assert.equal(double.setCheckStatus("dc1", "service:web-1", "passing"), written);
  assert.throws(() => double.setCheckStatus("dc1", "no-such-check", "passing"), /no check/);
});

test("catalog/datacenters and coordinate/datacenters list every datacenter, without an index", async (t) => {
  const double = await startDouble(t, { datacenters: ["eu", "us"] });
  double.setCoordinates("us", "server-1.us", [0.1, 0, 0, 0, 0, 0, 0, 0.2], { Height: 0.01 });
  const dcs = await call(double, "/v1/catalog/datacenters");
  assert.deepEqual(dcs.json, ["eu", "us"]);
  const coords = await call(double, "/v1/coordinate/datacenters?index=1&wait=5s");
  assert.equal(coords.index, undefined, "the endpoint cannot block");
  assert.deepEqual(coords.json, [
    { Datacenter: "eu", AreaID: "WAN", Coordinates: [] },
    {
      Datacenter: "us",
      AreaID: "WAN",
      Coordinates: [
        {
          Node: "server-1.us",
          Coord: { Vec: [0.1, 0, 0, 0, 0, 0, 0, 0.2], Error: 1.5, Adjustment: 0, Height: 0.01 },
        },
      ],
    },
  ]);
  assert.throws(() => double.setCoordinates("us", "x", [1, 2]), /8 dimensions/);
});
