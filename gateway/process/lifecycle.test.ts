// I/O code: real backends and gateways on 127.0.0.1 port 0, config files in a temporary
// folder, all cleaned up with t.after. Shutdown is SIGTERM's path; reloads are SIGHUP's and
// the file watcher's.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import pino from "pino";
import { catalogueSchema } from "../../routing-tables/catalogue-schema.ts";
import { policySchema } from "../../routing-tables/policy-schema.ts";
import { bootSchema } from "../config/boot-schema.ts";
import { loadWorld } from "../config/config-files.ts";
import { configReloader } from "../feeds/config-reloader.ts";
import { GatewayMetrics } from "../state/metrics.ts";
import { RoutingState } from "../state/routing-state.ts";
import { testSite } from "../testing/consul-world.ts";
import { eventually, gate, startBackend, startTestWorld } from "../testing/fixtures.ts";
import { type RunningGateway, startGateway } from "./start-gateway.ts";

type After = { after: (fn: () => unknown) => void };

/** True once a new TCP connection to `url` is refused. */
function refuses(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code === "ECONNREFUSED"));
  });
}

async function metric(adminUrl: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

test("shutdown turns readiness off at once, refuses new connections and lets in-flight requests finish", async (t) => {
  const held = gate();
  const w = await startTestWorld({
    sites: [{ id: "solo", tier: "hub" }],
    ingresses: ["solo"],
    behaviour: held.behaviour,
  });
  t.after(() => w.close());
  const gateway = w.gateway("solo");
  const inFlight = Promise.all(
    [1, 2, 3].map(async () => {
      const res = await fetch(gateway.url);
      return { status: res.status, body: await res.text() };
    }),
  );
  await eventually(() => held.held() === 3, 5_000, "three requests held at the backend");

  let stopped = false;
  const stopping = gateway.shutdown(10_000).then(() => {
    stopped = true;
  });
  assert.equal(gateway.ready().ready, false);
  const readyz = await fetch(`${gateway.adminUrl}/readyz`);
  assert.equal(readyz.status, 503);
  assert.equal(((await readyz.json()) as { reason: string }).reason, "shutting down");
  await eventually(() => refuses(gateway.url), 2_000, "new connections refused");
  assert.equal(stopped, false, "shutdown must wait for the requests in flight");

  held.release();
  const answers = await inFlight;
  assert.deepEqual(
    answers.map((a) => a.status),
    [200, 200, 200],
  );
  await stopping;
  assert.equal(stopped, true);
});

test("with shutdownDelayMs, readiness turns 503 at once while new requests are still served, then the listener closes", async (t) => {
  const w = await startTestWorld({
    sites: [{ id: "solo", tier: "hub" }],
    ingresses: ["solo"],
    boot: {
      limits: { shutdownDelayMs: 60_000, shutdownGraceMs: 1_000 },
    },
  });
  const gateway = w.gateway("solo");
  const stopping = gateway.shutdown();
  t.after(() => w.close());
  assert.equal((await fetch(`${gateway.adminUrl}/readyz`)).status, 503);
  // Well inside the delay: a new client is still served (its connection is not kept alive).
  const res = await fetch(gateway.url);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("connection"), "close");
  assert.equal(await refuses(gateway.url), false, "the listener is still open during the delay");
  // A second call ends the delay: the listener closes and the drain completes.
  await gateway.shutdown(1_000);
  await stopping;
  assert.equal(await refuses(gateway.url), true);
});

const goodPolicy = { services: [{ name: "web", hosts: ["*"] }] };
const renamedPolicy = { services: [{ name: "www", hosts: ["*"] }] };
const badPolicy = { services: [{ name: "web", hosts: ["*"], steering: "sideways" }] };

interface FileWorld {
  readonly gateway: RunningGateway;
  readonly files: { readonly catalogue: string; readonly policy: string };
  writePolicy(policy: unknown): void;
  /** Rewrites the catalogue with these backends at the edge site. */
  writeCatalogue(edgeBackends: readonly string[]): void;
}

/** A gateway started from catalogue and policy files on disk, as `gateway serve` does. */
async function gatewayFromFiles(t: After): Promise<FileWorld> {
  const dir = mkdtempSync(join(tmpdir(), "gateway-lifecycle-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const edge = await startBackend("edge-1");
  const hub = await startBackend("hub-1");
  t.after(() => Promise.all([edge.kill(), hub.kill()]));
  const files = { catalogue: join(dir, "catalogue.yaml"), policy: join(dir, "policy.yaml") };
  const site = (id: string, tier: string, longitude: number, backends: readonly string[]) =>
    testSite(id, { longitude, tier, backends });
  // JSON is YAML: the loader reads both.
  const writeCatalogue = (edgeBackends: readonly string[]) => {
    const sites = [site("edge", "edge", 0, edgeBackends), site("hub", "hub", 10, [hub.address])];
    writeFileSync(files.catalogue, JSON.stringify({ sites }, null, 2));
  };
  writeCatalogue([edge.address]);
  const writePolicy = (policy: unknown) =>
    writeFileSync(files.policy, JSON.stringify(policy, null, 2));
  writePolicy(goodPolicy);
  const loaded = loadWorld(files.catalogue, files.policy);
  assert.ok(loaded.ok, JSON.stringify(loaded));
  const boot = bootSchema.parse({
    site: "edge",
    catalogue: files.catalogue,
    policy: files.policy,
    listen: { host: "127.0.0.1", port: 0 },
    admin: { host: "127.0.0.1", port: 0 },
    siteHeaders: true,
    stateDirectory: join(dir, "state"),
    log: { level: "silent", requests: false },
  });
  const logger = pino({ level: "silent" });
  const gateway = await startGateway({
    boot,
    catalogue: loaded.catalogue,
    policy: loaded.policy,
    logger,
  });
  t.after(() => gateway.shutdown(1_000));
  return { gateway, files, writePolicy, writeCatalogue };
}

interface SitesBody {
  snapshotVersion: number;
  rejectedConfig: { errors: { file: string; path: string; message: string }[] } | null;
}

const sitesOf = async (gateway: RunningGateway) =>
  (await (await fetch(`${gateway.adminUrl}/sites`)).json()) as SitesBody;

test("a bad policy reload keeps the last good snapshot serving and says why; a good one clears it", async (t) => {
  const { gateway, files, writePolicy } = await gatewayFromFiles(t);
  const reloader = configReloader(files, gateway.state, gateway.metrics, gateway.logger, false);
  t.after(() => reloader.close());
  const before = gateway.state.snapshot;

  writePolicy(badPolicy);
  assert.equal(reloader.reload(), false);
  assert.equal(gateway.state.snapshot, before);
  const served = await fetch(gateway.url);
  assert.equal(served.status, 200);
  assert.equal(served.headers.get("x-gateway-site"), "edge");
  await served.text();
  const refused = await sitesOf(gateway);
  assert.equal(refused.snapshotVersion, before.version);
  assert.ok(refused.rejectedConfig && refused.rejectedConfig.errors.length > 0);
  assert.ok(
    refused.rejectedConfig.errors.some((e) => e.file === files.policy && /steering/.test(e.path)),
    JSON.stringify(refused.rejectedConfig.errors),
  );
  assert.equal(await metric(gateway.adminUrl, "gateway_config_rejected"), 1);
  assert.equal(await metric(gateway.adminUrl, "gateway_config_rejected_total"), 1);

  writePolicy(renamedPolicy);
  assert.equal(reloader.reload(), true);
  assert.equal(gateway.state.snapshot.version, before.version + 1);
  assert.equal(gateway.state.snapshot.services[0]?.name, "www");
  const cleared = await sitesOf(gateway);
  assert.equal(cleared.rejectedConfig, null);
  assert.equal(cleared.snapshotVersion, before.version + 1);
  assert.equal(await metric(gateway.adminUrl, "gateway_config_rejected"), 0);
  assert.equal(await metric(gateway.adminUrl, "gateway_snapshot_version"), before.version + 1);
});

test("in watch mode a changed policy file is picked up without a signal", async (t) => {
  const { gateway, files, writePolicy } = await gatewayFromFiles(t);
  const reloader = configReloader(files, gateway.state, gateway.metrics, gateway.logger, true);
  t.after(() => reloader.close());
  const version = gateway.state.snapshot.version;
  writePolicy(renamedPolicy);
  await eventually(
    () => gateway.state.snapshot.version > version,
    5_000,
    "the watcher to load the new policy",
  );
  assert.equal(gateway.state.snapshot.services[0]?.name, "www");
  assert.equal(gateway.state.rejected, undefined);
});

test("a catalogue reload sends traffic to the new backends and closes the old pools", async (t) => {
  const { gateway, files, writeCatalogue } = await gatewayFromFiles(t);
  const reloader = configReloader(files, gateway.state, gateway.metrics, gateway.logger, false);
  t.after(() => reloader.close());
  const fresh = await startBackend("edge-2");
  t.after(() => fresh.kill());
  const old = gateway.upstreams.site("edge")?.backends[0];
  assert.ok(old);
  writeCatalogue([fresh.address]);
  assert.equal(reloader.reload(), true);
  for (let i = 0; i < 5; i++) {
    const res = await fetch(gateway.url);
    assert.equal(((await res.json()) as { backend: string }).backend, "edge-2");
  }
  await eventually(() => old.pool.closed, 2_000, "the old backend's pool to close");
});

test("when Consul KV holds the policy, a file reload takes only the catalogue", async (t) => {
  const folder = mkdtempSync(join(tmpdir(), "kv-reload-"));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const sites = (port: number) =>
    `sites:\n  - { id: a, name: A, country: EC, jurisdiction: EC, latitude: 0, longitude: 0, tier: hub, capacity: 10, backends: ["127.0.0.1:${port}"] }\n`;
  writeFileSync(join(folder, "catalogue.yaml"), sites(1001));
  writeFileSync(join(folder, "policy.yaml"), 'services:\n  - { name: from-file, hosts: ["*"] }\n');
  const state = new RoutingState({
    catalogue: catalogueSchema.parse({
      sites: [
        testSite("a", { longitude: 0, tier: "hub", capacity: 10, backends: ["127.0.0.1:1000"] }),
      ],
    }),
    policy: policySchema.parse({ services: [{ name: "from-kv", hosts: ["*"] }] }),
  });
  const files = { catalogue: join(folder, "catalogue.yaml"), policy: join(folder, "policy.yaml") };
  const reloader = configReloader(
    files,
    state,
    new GatewayMetrics(),
    pino({ level: "silent" }),
    false,
    false,
  );
  assert.equal(reloader.reload(), true);
  assert.deepEqual(
    state.snapshot.sites[0]?.config.backends,
    ["127.0.0.1:1001"],
    "the catalogue came from disk",
  );
  assert.equal(state.snapshot.services[0]?.name, "from-kv", "the policy stayed the one from KV");
});

test("when Consul KV holds the policy, a new catalogue is checked against that policy, not the file's", async (t) => {
  const folder = mkdtempSync(join(tmpdir(), "kv-reload-"));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const files = { catalogue: join(folder, "catalogue.yaml"), policy: join(folder, "policy.yaml") };
  // The new catalogue renames site a to b: fine for the file's policy, which names no site,
  // but not for the policy serving from KV, which pins clients to a.
  writeFileSync(
    files.catalogue,
    'sites:\n  - { id: b, name: B, country: EC, jurisdiction: EC, latitude: 0, longitude: 0, tier: hub, capacity: 10, backends: ["127.0.0.1:1001"] }\n',
  );
  writeFileSync(files.policy, 'services:\n  - { name: from-file, hosts: ["*"] }\n');
  const state = new RoutingState({
    catalogue: catalogueSchema.parse({
      sites: [testSite("a", { longitude: 0, tier: "hub", backends: ["127.0.0.1:1000"] })],
    }),
    policy: policySchema.parse({
      defaults: { pins: [{ clientCountries: ["TZ"], sites: ["a"] }] },
      services: [{ name: "from-kv", hosts: ["*"] }],
    }),
  });
  const before = state.snapshot;
  const metrics = new GatewayMetrics();
  metrics.trackRoutingState(state);
  const reloader = configReloader(files, state, metrics, pino({ level: "silent" }), false, false);
  assert.equal(reloader.reload(), false);
  assert.equal(state.snapshot, before, "the last good keeps serving");
  assert.ok(
    state.rejected?.errors.some(
      (e) => e.file === "(policy now serving)" && /\ba\b/.test(e.message),
    ),
    JSON.stringify(state.rejected?.errors),
  );
  assert.match(await metrics.registry.metrics(), /^gateway_config_rejected 1$/m);
});

test("a gateway whose own site is not in the catalogue starts, and is not ready until it is", async (t) => {
  const w = await startTestWorld({
    sites: [{ id: "solo", tier: "hub" }],
    ingresses: ["elsewhere"],
  });
  t.after(() => w.close());
  const gateway = w.gateway("elsewhere");
  assert.deepEqual(gateway.ready(), {
    ready: false,
    reason: "site elsewhere is not in the catalogue",
  });
  const readyz = await fetch(`${gateway.adminUrl}/readyz`);
  assert.equal(readyz.status, 503);
  assert.equal(
    ((await readyz.json()) as { reason: string }).reason,
    "site elsewhere is not in the catalogue",
  );
  // A reload that adds the site makes it ready; one that drops it again does not throw.
  const { catalogue } = gateway.state.inputs;
  const elsewhere = testSite("elsewhere", {
    longitude: 1,
    tier: "edge",
    backends: ["127.0.0.1:9"],
  });
  gateway.state.update({
    catalogue: catalogueSchema.parse({ sites: [...catalogue.sites, elsewhere] }),
  });
  assert.equal(gateway.ready().ready, true);
  gateway.state.update({ catalogue });
  assert.equal(gateway.ready().reason, "site elsewhere is not in the catalogue");
});
