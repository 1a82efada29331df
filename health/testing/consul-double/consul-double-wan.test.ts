// I/O: several datacenters, each with its own agent (listener): per-datacenter KV, `?dc=`
// reads forwarded between them, a datacenter going away and coming back, the commit delay.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ConsulDouble } from "./consul-double.ts";
import { parked, startDouble, until } from "./double-fixture.ts";

const DCS = ["ctl", "east", "west"];

async function get(double: ConsulDouble, dc: string, path: string) {
  const res = await fetch(`${double.urlOf(dc)}${path}`);
  return { status: res.status, index: res.headers.get("x-consul-index"), text: await res.text() };
}

test("each datacenter's agent answers for its own datacenter by default, and KV is per datacenter", async (t) => {
  const double = await startDouble(t, { datacenters: DCS });
  double.putKV("ctl", "gw/flags/a", "ctl's");
  double.putKV("east", "gw/flags/a", "east's");
  assert.equal((await get(double, "ctl", "/v1/kv/gw/flags/a?raw")).text, "ctl's");
  assert.equal((await get(double, "east", "/v1/kv/gw/flags/a?raw")).text, "east's");
  assert.equal((await get(double, "west", "/v1/kv/gw/flags/a")).status, 404, "not replicated");
  assert.equal(double.url, double.urlOf("ctl"));
  const self = JSON.parse((await get(double, "west", "/v1/agent/self")).text);
  assert.equal(self.Config.Datacenter, "west");
});

test("a ?dc= read through another datacenter's agent reads that datacenter, blocking included", async (t) => {
  const double = await startDouble(t, { datacenters: DCS });
  const index = double.putKV("ctl", "gw/sentinel", "{}");
  assert.equal((await get(double, "west", "/v1/kv/gw/sentinel?dc=ctl&raw")).text, "{}");
  const before = double.blockedQueries();
  const answer = fetch(`${double.urlOf("west")}/v1/kv/gw/?recurse&dc=ctl&index=${index}&wait=5s`);
  await until(() => double.blockedQueries() > before, "the forwarded read to block");
  double.putKV("ctl", "gw/flags/a", '{"compromised":true}');
  const res = await answer;
  assert.equal(res.status, 200);
  assert.ok(Number(res.headers.get("x-consul-index")) > index);
});

test("a datacenter that goes away refuses its agent's connections and fails reads forwarded to it", async (t) => {
  const double = await startDouble(t, { datacenters: DCS });
  double.putKV("ctl", "gw/sentinel", "{}");
  const index = double.index("ctl");
  const before = double.blockedQueries();
  const blocked = fetch(`${double.urlOf("east")}/v1/kv/gw/?recurse&dc=ctl&index=${index}&wait=5s`);
  await until(() => double.blockedQueries() > before, "the forwarded read to block");
  await double.datacenterDown("ctl", true);
  const cut = await blocked;
  assert.equal(cut.status, 500, "a read blocked on it fails when it goes");
  await assert.rejects(fetch(`${double.urlOf("ctl")}/v1/kv/gw/sentinel`), "connection refused");
  const forwarded = await get(double, "east", "/v1/kv/gw/sentinel?dc=ctl");
  assert.deepEqual([forwarded.status, forwarded.text], [500, "No path to datacenter"]);
  assert.equal((await get(double, "east", "/v1/status/leader?dc=ctl")).status, 500);
  await double.datacenterDown("ctl", false);
  assert.equal((await get(double, "ctl", "/v1/kv/gw/sentinel?raw")).text, "{}", "state kept");
  assert.equal((await get(double, "east", "/v1/kv/gw/sentinel?dc=ctl&raw")).text, "{}");
});

test("status/leader names the server, and nothing while there is no leader", async (t) => {
  const double = await startDouble(t, { datacenters: DCS });
  assert.equal(JSON.parse((await get(double, "east", "/v1/status/leader")).text), "127.0.0.1:8300");
  double.leaderless(true);
  assert.equal(JSON.parse((await get(double, "east", "/v1/status/leader")).text), "");
});

test("agents register in their own datacenter: the service shows in that datacenter's catalog only", async (t) => {
  const double = await startDouble(t, { datacenters: DCS });
  const body = JSON.stringify({ Name: "gateway", ID: "gw-east", Port: 80 });
  const res = await fetch(`${double.urlOf("east")}/v1/agent/service/register`, {
    method: "PUT",
    body,
  });
  assert.equal(res.status, 200);
  assert.equal(double.registered("east").length, 1);
  assert.equal(double.registered().length, 0, "not ctl's agent");
  const east = JSON.parse((await get(double, "east", "/v1/catalog/service/gateway")).text);
  assert.equal(east[0]?.Node, "agent-east");
  assert.deepEqual(JSON.parse((await get(double, "ctl", "/v1/catalog/service/gateway")).text), []);
});

test("a KV write over HTTP answers only after the commit delay", async (t) => {
  const double = await startDouble(t, { commitDelayMs: 60 });
  const started = performance.now();
  const res = await fetch(`${double.url}/v1/kv/k`, { method: "PUT", body: "v" });
  assert.equal(await res.text(), "true");
  assert.ok(performance.now() - started >= 55, "the write took its commit delay");
  double.commitDelay(0);
  const { answer } = await parked(double, `/v1/kv/k?index=${double.index("dc1")}&wait=2s`);
  await fetch(`${double.url}/v1/kv/k`, { method: "PUT", body: "w" });
  assert.equal((await answer).status, 200);
});
