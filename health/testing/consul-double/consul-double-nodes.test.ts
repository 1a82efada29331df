// I/O: the node and check endpoints a gateway or a deploy check may use (api-docs/catalog,
// api-docs/health, api-docs/agent): catalog/nodes, health/node, health/checks, health/state,
// agent/self, agent/members.
import assert from "node:assert/strict";
import { test } from "node:test";
import { call, parked, seedWeb, startDouble, WEB_NODE } from "./double-fixture.ts";

test("catalog/nodes lists every node by name, the agent's included", async (t) => {
  const double = await startDouble(t);
  seedWeb(double);
  const nodes = (await call(double, "/v1/catalog/nodes")).json as {
    Node: string;
    Address: string;
  }[];
  assert.deepEqual(
    nodes.map((n) => n.Node),
    ["agent-one", "web-1"],
  );
  assert.equal(nodes[1]?.Address, WEB_NODE.Address);
});

test("health/node answers the node's own checks and its services', and blocks until one changes", async (t) => {
  const double = await startDouble(t);
  const index = seedWeb(double);
  const got = await call(double, "/v1/health/node/web-1");
  const ids = (got.json as { CheckID: string }[]).map((c) => c.CheckID);
  assert.deepEqual(ids, ["serfHealth", "service:web-1"]);
  const { answer } = await parked(double, `/v1/health/node/web-1?index=${index}&wait=5s`);
  double.setCheckStatus("dc1", "service:web-1", "critical");
  const after = (await answer).json as { CheckID: string; Status: string }[];
  assert.equal(after.find((c) => c.CheckID === "service:web-1")?.Status, "critical");
});

test("health/checks answers the checks bound to a service's instances, not the node's", async (t) => {
  const double = await startDouble(t);
  seedWeb(double);
  const checks = (await call(double, "/v1/health/checks/web")).json as { CheckID: string }[];
  assert.deepEqual(
    checks.map((c) => c.CheckID),
    ["service:web-1"],
  );
});

test("health/state answers the checks in a state, `any` for all, and 400 for another word", async (t) => {
  const double = await startDouble(t);
  seedWeb(double);
  double.setCheckStatus("dc1", "service:web-1", "critical");
  const critical = (await call(double, "/v1/health/state/critical")).json as { CheckID: string }[];
  assert.deepEqual(
    critical.map((c) => c.CheckID),
    ["service:web-1"],
  );
  const any = (await call(double, "/v1/health/state/any")).json as unknown[];
  assert.ok(any.length >= 3, "the agent's serfHealth, web-1's and its service check");
  assert.equal((await call(double, "/v1/health/state/broken")).status, 400);
});

test("agent/self names the agent's datacenter and node; agent/members?wan one server per datacenter up", async (t) => {
  const double = await startDouble(t, { datacenters: ["eu", "us"] });
  const self = (await call(double, "/v1/agent/self")).json as {
    Config: { Datacenter: string; NodeName: string };
  };
  assert.deepEqual([self.Config.Datacenter, self.Config.NodeName], ["eu", "agent-one"]);
  const wan = (await call(double, "/v1/agent/members?wan")).json as { Tags: { dc: string } }[];
  assert.deepEqual(
    wan.map((m) => m.Tags.dc),
    ["eu", "us"],
  );
  await double.datacenterDown("us", true);
  const left = (await call(double, "/v1/agent/members?wan")).json as unknown[];
  assert.equal(left.length, 1);
});
