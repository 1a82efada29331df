/**
 * Discovery through the Consul double: a site's backends come from Consul's passing
 * instances; critical checks take the site out as soon as the index moves; Consul failing
 * changes nothing but the reported staleness.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { startConsulDouble } from "../../../health/testing/consul-double/consul-double.ts";
import { siteSchema } from "../../../routing-tables/catalogue-schema.ts";
import { policySchema } from "../../../routing-tables/policy-schema.ts";
import {
  consulCatalogue,
  loopbackBoot,
  registerApp,
  startConsulGateway,
  testSite,
} from "../../testing/consul-world.ts";
import { eventually, startBackend } from "../../testing/fixtures.ts";

async function world(t: { after: (fn: () => Promise<void> | void) => void }) {
  const double = await startConsulDouble({ datacenters: ["near-dc"], random: () => 0 });
  const app = [await startBackend("near-1"), await startBackend("near-2")];
  const hub = await startBackend("hub-1");
  for (const [i, backend] of app.entries())
    registerApp(double, `node-${i}`, `app-${i}`, backend.address);
  const catalogue = consulCatalogue(hub.address);
  const boot = loopbackBoot({
    siteHeaders: true,
    consul: { enabled: true, waitMs: 500 },
    health: { passive: true, evaluateIntervalMs: 20 },
  });
  const policy = policySchema.parse({
    defaults: { spill: { rampUpMs: 1 } },
    services: [{ name: "web", hosts: ["*"] }],
  });
  const gateway = await startConsulGateway(double, { boot, catalogue, policy });
  t.after(async () => {
    await gateway.shutdown(500);
    for (const b of [...app, hub]) await b.kill();
    await double.close();
  });
  const servedBy = async () => (await fetch(`${gateway.url}/x`)).headers.get("x-gateway-site");
  const consulStatus = async () =>
    (
      (await (await fetch(`${gateway.adminUrl}/sites`)).json()) as {
        consul: { site: string; consecutiveErrors: number; lastAnswerAtMs?: number }[];
      }
    ).consul[0];
  return { double, gateway, servedBy, consulStatus };
}

test("a Consul site is served by the instances Consul finds passing", async (t) => {
  const w = await world(t);
  await eventually(
    async () => (await w.servedBy()) === "near",
    10_000,
    "near to be discovered and served",
  );
  const near = w.gateway.state.snapshot.sites.find((s) => s.id === "near");
  assert.equal(near?.config.backends?.length, 2);
});

test("its instances going critical in Consul take the site out of rotation promptly", async (t) => {
  const w = await world(t);
  await eventually(async () => (await w.servedBy()) === "near", 10_000, "near to be served");
  const before = w.gateway.state.snapshot.version;
  const changedAt = Date.now();
  w.double.setCheckStatus("near-dc", "app-0-ok", "critical");
  w.double.setCheckStatus("near-dc", "app-1-ok", "critical");
  await eventually(
    () =>
      w.gateway.state.snapshot.sites.find((s) => s.id === "near")?.config.backends?.length === 0,
    5_000,
    "near's backends to be gone",
  );
  const tookMs = Date.now() - changedAt;
  assert.ok(w.gateway.state.snapshot.version > before);
  assert.ok(tookMs < 1_000, `the snapshot followed Consul within 1 s (took ${tookMs} ms)`);
  await eventually(async () => (await w.servedBy()) === "hub", 5_000, "traffic to move to the hub");
});

test("Consul failing changes no routing, and the staleness is reported; it recovers after", async (t) => {
  const w = await world(t);
  await eventually(async () => (await w.servedBy()) === "near", 10_000, "near to be served");
  w.double.failAll(true, 500);
  w.double.wakeWithoutChange("near-dc");
  await eventually(
    async () => ((await w.consulStatus())?.consecutiveErrors ?? 0) >= 2,
    10_000,
    "errors to be reported",
  );
  for (let i = 0; i < 10; i++)
    assert.equal(await w.servedBy(), "near", "routing goes on with the last answer");
  const metrics = await (await fetch(`${w.gateway.adminUrl}/metrics`)).text();
  assert.match(metrics, /gateway_consul_errors\{site="near"\} [1-9]/);
  w.double.failAll(false);
  await eventually(
    async () => (await w.consulStatus())?.consecutiveErrors === 0,
    10_000,
    "recovery",
  );
});

test("the gateway registers with the agent, checked on /readyz, and deregisters on shutdown", async (t) => {
  const w = await world(t);
  await eventually(
    () => w.double.registered().some((s) => s.Name === "gateway"),
    5_000,
    "the registration",
  );
  const service = w.double.registered().find((s) => s.Name === "gateway");
  assert.equal(service?.Meta.site, "near");
  const checks = [...(service?.Checks.values() ?? [])] as unknown as {
    HTTP?: string;
    Definition?: { HTTP?: string };
  }[];
  assert.ok(
    checks.some((c) => (c.HTTP ?? c.Definition?.HTTP ?? "").endsWith("/readyz")),
    "an HTTP check on /readyz",
  );
  await w.gateway.shutdown(200);
  assert.equal(
    w.double.registered().some((s) => s.Name === "gateway"),
    false,
  );
});

test("discovery follows the catalogue: a site that joins gets its backends, one that leaves stops being asked", async (t) => {
  const w = await world(t);
  const far = await startBackend("far-1");
  t.after(() => far.kill());
  const [host = "", port = "0"] = far.address.split(":");
  w.double.setService(
    "near-dc",
    { Node: "far-node", Address: host },
    { ID: "api-1", Service: "api", Port: Number(port) },
    [{ CheckID: "api-1-ok", Status: "passing" }],
  );
  const joining = siteSchema.parse(
    testSite("far", {
      longitude: 40,
      tier: "edge",
      capacity: 100,
      consul: { service: "api", datacenter: "near-dc" },
    }),
  );
  w.gateway.state.setFleetSites([joining]);
  await eventually(
    () =>
      w.gateway.state.snapshot.sites.find((s) => s.id === "far")?.config.backends?.[0] ===
      far.address,
    5_000,
    "the joining site's backends",
  );
  w.gateway.state.setFleetSites([]);
  const asked = () => w.double.requests().filter((r) => r.path === "/v1/health/service/api").length;
  await eventually(() => w.double.blockedQueries() <= 1, 5_000, "its loop to stop");
  const before = asked();
  w.double.setCheckStatus("near-dc", "api-1-ok", "critical");
  await eventually(() => w.double.blockedQueries() >= 1, 5_000, "near's loop still blocking");
  assert.equal(asked(), before, "nobody asks for the site that left");
});
