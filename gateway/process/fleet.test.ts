/**
 * One fleet (issue 13), with real `gateway serve` processes: three sites, each its own Consul
 * datacenter (one double, one agent per datacenter), the place of record in the hub's (`c`).
 * Clients from Zanzibar are pinned to `a` (then the hub), so every gateway sends them to `a`
 * until it is compromised. Clients from Argentina must stay in jurisdiction AR: far-away `e`
 * serves them until `d`, next to every gateway, joins. Figures (propagation, recovery) are
 * printed as test diagnostics; assertions use generous timeouts only.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { eventually } from "../testing/fixtures.ts";
import {
  CLIENTS,
  type FleetSite,
  type FleetWorld,
  startFleetWorld,
} from "../testing/fleet-world.ts";
import { TEST_ADMIN_TOKEN } from "../testing/test-admin.ts";

const SITES: FleetSite[] = [
  { id: "a", tier: "edge", longitude: 0 },
  { id: "b", tier: "edge", longitude: 20 },
  { id: "c", tier: "hub", longitude: 10 },
  { id: "e", tier: "edge", longitude: 170, country: "AR", jurisdiction: "AR" },
];
const POLICY = `services:
  - name: web
    hosts: ["*"]
    pins:
      - { clientCountries: [TZ], sites: [a, c] }
    residency:
      - { name: Argentina stays in AR, clientCountries: [AR], allowJurisdictions: [AR] }
`;

async function fleet(t: Parameters<typeof startFleetWorld>[0], sites = SITES) {
  const world = await startFleetWorld(t, {
    sites,
    listed: ["a", "b", "c", "e"],
    control: ["c"],
    policy: POLICY,
  });
  await Promise.all(["a", "b", "c"].map((site) => world.start(site)));
  for (const viewer of ["a", "b", "c"])
    await eventually(
      async () => (await world.sites(viewer)).fleet.controlPlane.readable,
      15_000,
      `${viewer} to read the place of record`,
    );
  return world;
}

const compromiseA = (world: FleetWorld) =>
  fetch(`${world.gateway("a").admin}/sites/a/compromise?why=${encodeURIComponent("keys leaked")}`, {
    method: "POST",
    headers: { "x-ops-user": "alice", authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
  });

const CLI = new URL("../cli.ts", import.meta.url).pathname;

/** `gateway leave --config <the site's boot>`, as ops would run it at that site. */
function leave(world: FleetWorld, site: string): Promise<{ code: number | null; output: string }> {
  const config = join(world.gateway(site).served.folder, "gateway.yaml");
  const child = spawn(process.execPath, [CLI, "leave", "--config", config], {
    env: { ...process.env, CONSUL_HTTP_ADDR: world.double.urlOf(site) },
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk;
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk;
  });
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, output })));
}

async function allSee(
  world: FleetWorld,
  viewers: readonly string[],
  state: string,
  timeoutMs: number,
) {
  await eventually(
    async () =>
      (await Promise.all(viewers.map((v) => world.stateOf(v, "a")))).every((s) => s === state),
    timeoutMs,
    `${viewers.join(", ")} to see a ${state}`,
  );
}

test("a compromise posted to site a's gateway reaches b and c: they send a nothing, and show who and why", async (t) => {
  const world = await fleet(t);
  for (const viewer of ["b", "c"])
    assert.equal(
      (await world.request(viewer, CLIENTS.zanzibar)).site,
      "a",
      `${viewer} serves Zanzibar from a`,
    );
  const started = performance.now();
  const answer = await compromiseA(world);
  const body = (await answer.json()) as Record<string, unknown>;
  assert.equal(answer.status, 200, JSON.stringify(body));
  assert.deepEqual([body.scope, body.fleetWide, body.storedIn], ["fleet", true, ["c"]]);
  const seen = await Promise.all(
    ["b", "c"].map(async (viewer) => {
      await eventually(
        async () => (await world.stateOf(viewer, "a")) === "compromised",
        5_000,
        `${viewer} to see it`,
      );
      return performance.now() - started;
    }),
  );
  t.diagnostic(
    `propagation from the POST to /sites at b and c: ${seen.map((ms) => ms.toFixed(0)).join(" ms, ")} ms`,
  );
  const hits = world.backends.get("a")?.hits() ?? 0;
  for (let i = 0; i < 10; i++)
    for (const viewer of ["b", "c"]) {
      const got = await world.request(viewer, CLIENTS.zanzibar);
      assert.deepEqual(
        [got.status, got.site],
        [200, "c"],
        `${viewer} serves Zanzibar from the hub`,
      );
    }
  assert.equal(world.backends.get("a")?.hits(), hits, "no request reached a");
  const records = (await world.sites("b")).opsOverrides.a ?? [];
  assert.equal(records[0]?.scope, "fleet");
  assert.match(records[0]?.who ?? "", /^alice@/);
  assert.equal(records[0]?.why, "keys leaked");
});

test("the control datacenter goes away: every gateway keeps the compromise, one restarted meanwhile too, and they read it again when it returns", async (t) => {
  const world = await fleet(t);
  assert.equal((await compromiseA(world)).status, 200);
  await allSee(world, ["a", "b", "c"], "compromised", 5_000);
  await world.double.datacenterDown("c", true);
  for (const viewer of ["a", "b"])
    await eventually(
      async () => !(await world.sites(viewer)).fleet.controlPlane.readable,
      10_000,
      `${viewer} to lose it`,
    );
  await allSee(world, ["a", "b", "c"], "compromised", 1_000);
  await world.stop("b");
  await world.start("b");
  assert.equal(
    await world.stateOf("b", "a"),
    "compromised",
    "restarted without the place of record, it still knows",
  );
  assert.equal((await world.request("b", CLIENTS.zanzibar)).site, "c");
  const back = performance.now();
  await world.double.datacenterDown("c", false);
  const recovered = await Promise.all(
    ["a", "b", "c"].map(async (viewer) => {
      await eventually(
        async () => (await world.sites(viewer)).fleet.controlPlane.readable,
        10_000,
        `${viewer} to read it again`,
      );
      return performance.now() - back;
    }),
  );
  t.diagnostic(
    `first good answer after the control datacenter returned (a, b, c): ${recovered.map((ms) => ms.toFixed(0)).join(", ")} ms`,
  );
  await allSee(world, ["a", "b", "c"], "compromised", 1_000);
});

test("ACLs deny the gateways the prefix: the compromise stays, and each says the control plane is unreadable", async (t) => {
  const world = await fleet(t);
  assert.equal((await compromiseA(world)).status, 200);
  await allSee(world, ["b", "c"], "compromised", 5_000);
  // The gateways send no token: anonymous, default deny. As in Consul, a changed ACL wakes no
  // blocked query: the gateways find out at their next answer (a write, or the wait's end).
  world.double.acl(true, "deny");
  await eventually(
    async () => !(await world.sites("b")).fleet.controlPlane.readable,
    10_000,
    "b to find the prefix hidden",
  );
  const status = (await world.sites("b")).fleet.controlPlane.datacenters[0];
  assert.match(status?.reason ?? "", /sentinel|denied/);
  const metrics = await (await fetch(`${world.gateway("b").admin}/metrics`)).text();
  assert.match(metrics, /gateway_fleet_control_plane_readable 0/);
  assert.match(metrics, /gateway_fleet_readable\{datacenter="c"\} 0/);
  await allSee(world, ["a", "b", "c"], "compromised", 1_000);
});

test("a site that registers joins every gateway after the rise rule, without a file change; it leaves when it deregisters", async (t) => {
  const d: FleetSite = { id: "d", tier: "edge", longitude: 11, country: "AR", jurisdiction: "AR" };
  const world = await fleet(t, [...SITES, d]);
  for (const viewer of ["a", "b", "c"])
    assert.equal((await world.request(viewer, CLIENTS.buenosAires)).site, "e", "only e is in AR");
  await world.start("d", { catalogue: [...SITES, d], registerSite: true });
  for (const viewer of ["a", "b", "c"])
    await eventually(
      async () => (await world.stateOf(viewer, "d")) === "healthy",
      15_000,
      `${viewer} to add d`,
    );
  for (const viewer of ["a", "b", "c"]) {
    assert.deepEqual(await world.request(viewer, CLIENTS.buenosAires), { status: 200, site: "d" });
    const served = world.gateway(viewer).served;
    const joined = () => served.logged("a fleet site joined: its probes passed the rise rule");
    await eventually(() => joined()[0]?.site === "d", 5_000, `${viewer} to log d's rise`);
  }
  const left = await leave(world, "d");
  assert.equal(left.code, 0, left.output);
  for (const viewer of ["a", "b", "c"])
    await eventually(
      async () => (await world.stateOf(viewer, "d")) === undefined,
      15_000,
      `${viewer} to remove d`,
    );
  assert.equal((await world.request("a", CLIENTS.buenosAires)).site, "e");
});
