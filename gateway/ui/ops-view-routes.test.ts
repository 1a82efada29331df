import assert from "node:assert/strict";
import type { Server } from "node:http";
import { test } from "node:test";
import { gunzipSync } from "node:zlib";
import pino from "pino";
import { request } from "undici";
import { startConsulDouble } from "../../health/testing/consul-double/consul-double.ts";
import { policySchema } from "../../routing-tables/policy-schema.ts";
import { createAdminServer } from "../admin/admin-api.ts";
import { startGateway } from "../process/start-gateway.ts";
import { listen, urlOf } from "../server/listen.ts";
import { consulCatalogue, loopbackBoot } from "../testing/consul-world.ts";
import { openEvents } from "../testing/event-reader.ts";
import { eventually, startTestWorld } from "../testing/fixtures.ts";
import { adminPost } from "../testing/test-admin.ts";
import type { OpsView } from "./ops-view.ts";
import { singleFlight } from "./ops-view-routes.ts";

const SITES = [
  { id: "aaa", longitude: -60, latitude: -30, capacity: 400 },
  { id: "bbb", longitude: 10, latitude: 50, capacity: 4000, tier: "hub" as const },
];

async function world(t: test.TestContext, boot: Record<string, unknown> = {}) {
  const started = await startTestWorld({ sites: SITES, ingresses: ["aaa", "bbb"], boot });
  t.after(() => started.close());
  return { world: started, admin: started.gateway("aaa").adminUrl };
}

const viewOf = async (url: string) => (await (await fetch(url)).json()) as OpsView;
const problemCode = async (res: Response) => ((await res.json()) as { code: string }).code;

test("the page, every module it imports and the map are served from the gateway", async (t) => {
  const { admin } = await world(t);
  const redirect = await fetch(`${admin}/ui?fleet=0`, { redirect: "manual" });
  assert.equal(redirect.status, 308);
  assert.equal(redirect.headers.get("location"), "/ui/?fleet=0");
  const page = await fetch(`${admin}/ui/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-security-policy") ?? "", /script-src 'self';/);
  // Follow the module graph from the page: every file it names, and every file those import.
  const seen = new Set<string>();
  const queue = [...(await page.text()).matchAll(/(?:src|href)="([a-z-]+\.(?:js|css))"/g)].map(
    (m) => m[1] ?? "",
  );
  while (queue.length > 0) {
    const name = queue.shift() ?? "";
    if (seen.has(name)) continue;
    seen.add(name);
    const res = await fetch(`${admin}/ui/${name}`);
    assert.equal(res.status, 200, name);
    const text = await res.text();
    if (name.endsWith(".js")) {
      assert.match(res.headers.get("content-type") ?? "", /^text\/javascript/);
      for (const m of text.matchAll(/from "\.\/([a-z-]+\.js)"/g)) queue.push(m[1] ?? "");
    }
  }
  assert.ok(seen.has("app.js") && seen.has("map.js") && seen.has("style.css"), [...seen].join());
  // undici's request, not fetch: the bytes as sent, not decompressed on the way.
  const map = await request(`${admin}/ui/map.json`, { headers: { "accept-encoding": "gzip" } });
  assert.equal(map.headers["content-encoding"], "gzip");
  const land = JSON.parse(gunzipSync(Buffer.from(await map.body.arrayBuffer())).toString("utf8"));
  assert.ok(land.land.length > 10_000, "the land is drawn");
  const again = await fetch(`${admin}/ui/map.json`, {
    headers: { "if-none-match": String(map.headers.etag) },
  });
  assert.equal(again.status, 304);
});

test("only the ops view's own files are served, to GET and HEAD only", async (t) => {
  const { admin } = await world(t);
  for (const path of [
    "/ui/nothing.js",
    "/ui/..%2fadmin-api.ts",
    "/ui/client/app.js",
    "/ui/tsconfig.json",
  ]) {
    const res = await fetch(`${admin}${path}`);
    assert.equal(res.status, 404, path);
    assert.equal(await problemCode(res), "not_found");
  }
  // Any POST is a change to the admin API's guard: the token first, then the route says 405.
  assert.equal((await fetch(`${admin}/ui/`, { method: "POST" })).status, 401);
  assert.equal((await adminPost(`${admin}/ui/`)).status, 405);
  const head = await fetch(`${admin}/ui/app.js`, { method: "HEAD" });
  assert.equal(head.status, 200);
});

test("this gateway's view lists every site at its place, with its state", async (t) => {
  const { admin } = await world(t);
  const view = await viewOf(`${admin}/ui/view`);
  assert.equal(view.mode, "single", "a gateway without Consul knows no fleet");
  assert.equal(view.fleetAvailable, false);
  assert.deepEqual(
    view.sites.map((s) => [s.id, s.state, s.gateway, s.x !== null, s.tier]),
    [
      ["aaa", "healthy", "up", true, "edge"],
      ["bbb", "healthy", "not-watched", true, "hub"],
    ],
  );
  const [aaa, bbb] = view.sites;
  assert.ok(aaa && bbb && aaa.radius < bbb.radius, "sized by capacity");
  assert.ok(aaa && bbb && aaa.x !== null && bbb.x !== null && aaa.x < bbb.x, "west of it");
});

test("an override shows on the event stream at once, not at the next interval", async (t) => {
  // An interval of a minute: the new view can only come from the state change itself.
  const { admin } = await world(t, { ui: { eventIntervalMs: 60_000 } });
  const stream = await openEvents(`${admin}/ui/events`);
  t.after(() => stream.close());
  const stateOf = (site: string) => {
    const last = stream.events.at(-1);
    const view: OpsView | undefined = last && JSON.parse(last.data);
    return view?.sites.find((s) => s.id === site)?.state;
  };
  await eventually(() => stateOf("bbb") === "healthy", 10_000, "the first view");
  const res = await adminPost(`${admin}/sites/bbb/compromise`);
  assert.equal(res.status, 200);
  await eventually(() => stateOf("bbb") === "compromised", 10_000, "the compromise on the stream");
});

test("streams past ui.maxStreams are answered 503 too_many_streams", async (t) => {
  const { admin } = await world(t, { ui: { maxStreams: 1 } });
  const first = await openEvents(`${admin}/ui/events`);
  t.after(() => first.close());
  const second = await fetch(`${admin}/ui/events`);
  assert.equal(second.status, 503);
  assert.equal(await problemCode(second), "too_many_streams");
});

test("fleet mode reads every gateway it is given, and shows one that does not answer as unreachable", async (t) => {
  const { world: started } = await world(t);
  const aaa = started.gateway("aaa");
  const bbb = started.gateway("bbb");
  const fleet = async () => [
    { site: "aaa", url: "http://127.0.0.1:1/sites" }, // this gateway: read in process
    { site: "bbb", url: `${bbb.adminUrl}/sites` },
    { site: "ccc", url: "http://127.0.0.1:1/sites" },
  ];
  const server: Server = createAdminServer({ ...aaa.admin, ui: { fleet } });
  await listen(server, 0, "127.0.0.1", false, false);
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const view = await viewOf(`${urlOf(server)}/ui/view`);
  assert.equal(view.mode, "fleet", "the fleet by default, where one is known");
  assert.deepEqual(
    view.gateways.map((g) => [g.id, g.reachable]),
    [
      ["aaa", true],
      ["bbb", true],
      ["ccc", false],
    ],
  );
  assert.match(view.gateways[2]?.error ?? "", /ECONNREFUSED/);
  const single = await viewOf(`${urlOf(server)}/ui/view?fleet=0`);
  assert.equal(single.mode, "single");
});

test("with Consul, fleet mode finds the gateways of every datacenter", async (t) => {
  const double = await startConsulDouble({ datacenters: ["near-dc", "hub-dc"], random: () => 0 });
  t.after(() => double.close());
  // The hub's gateway is registered, but nothing listens where it says.
  double.setService(
    "hub-dc",
    { Node: "hub-gw-1", Address: "127.0.0.1" },
    { ID: "gateway-metrics-hub", Service: "gateway-metrics", Port: 1, Meta: { site: "hub" } },
    [{ CheckID: "listening", Status: "critical" }],
  );
  const gateway = await startGateway({
    boot: loopbackBoot({ consul: { register: false }, ui: { fleet: { timeoutMs: 1_000 } } }),
    catalogue: consulCatalogue("127.0.0.1:1"),
    policy: policySchema.parse({ services: [{ name: "web", hosts: ["*"] }] }),
    logger: pino({ level: "silent" }),
    consul: { address: double.url },
  });
  t.after(() => gateway.shutdown(1_000));
  const view = await viewOf(`${gateway.adminUrl}/ui/view`);
  assert.equal(view.mode, "fleet");
  const hub = view.gateways.find((g) => g.id === "hub");
  assert.equal(hub?.reachable, false);
  assert.match(hub?.error ?? "", /ECONNREFUSED/);
  assert.deepEqual(
    view.sites.map((s) => [s.id, s.gateway, s.state === "unreachable"]),
    [
      ["near", "up", false], // this gateway, read in process
      ["hub", "unreachable", true],
    ],
  );
});

test("the fleet is read by one fan-out at a time, whoever asks", async () => {
  let runs = 0;
  let release: (value: number) => void = () => {};
  const read = singleFlight(() => {
    runs += 1;
    return new Promise<number>((resolve) => {
      release = resolve;
    });
  });
  const asked = [read(), read(), read()];
  assert.equal(runs, 1, "three askers, one run");
  release(7);
  assert.deepEqual(await Promise.all(asked), [7, 7, 7]);
  const next = read();
  assert.equal(runs, 2, "a call after the run ended starts the next");
  release(8);
  assert.equal(await next, 8);
});
