// I/O: the fleet path in-process — gateways (start-gateway.ts) each talking to its own
// datacenter's agent of the Consul double, the place of record in the control datacenters.
import assert from "node:assert/strict";
import { test } from "node:test";
import { testSite } from "../../testing/consul-world.ts";
import { answerText, echo, eventually, startBackend } from "../../testing/fixtures.ts";
import {
  readable,
  type FleetGateways as World,
  startFleetGateways as world,
} from "../../testing/fleet-gateways.ts";

/** The audit history's keys in `ctl` (none yet: Consul's 404 for an empty prefix). */
async function auditKeys(w: World): Promise<string[]> {
  const res = await fetch(`${w.double.urlOf("ctl")}/v1/kv/gw/audit/?keys`);
  return res.status === 404 ? [] : ((await res.json()) as string[]);
}

test("an override posted to one gateway is stored in the place of record, fleet-wide, and every gateway applies it", async (t) => {
  const w = await world(t);
  const [west, east] = [await w.start("west"), await w.start("east")];
  await eventually(() => readable(east), 5_000, "east to read the place of record");
  const answer = await w.post(west, "/sites/hub/drain?why=upgrade", { "x-ops-user": "bob" });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.deepEqual(
    [answer.body.scope, answer.body.fleetWide, answer.body.storedIn, answer.body.why],
    ["fleet", true, ["ctl"], "upgrade"],
  );
  await eventually(() => w.stateOf(east, "hub") === "draining", 5_000, "east to drain hub");
  const stored = JSON.parse(
    await (await fetch(`${w.double.urlOf("ctl")}/v1/kv/gw/flags/hub?raw`)).text(),
  );
  assert.deepEqual([stored.draining, stored.generation, stored.why], [true, 1, "upgrade"]);
  assert.match(stored.who, /^bob@/);
  await eventually(
    async () => (await auditKeys(w)).length === 1,
    5_000,
    "the write in the audit history",
  );
});

test("a compromise outlives Consul failing and a deleted key; only an explicit restore clears it", async (t) => {
  const w = await world(t);
  const west = await w.start("west");
  await eventually(() => readable(west), 5_000, "the first answer");
  assert.equal((await w.post(west, "/sites/east/compromise")).status, 200);
  w.double.failAll(true, 500);
  w.double.wakeWithoutChange("ctl");
  await eventually(async () => !(await readable(west)), 5_000, "the failures to show");
  w.double.failAll(true, 404); // not Consul's word: no X-Consul-Index
  w.double.failAll(false);
  w.double.deleteKV("ctl", "gw/flags/east");
  await eventually(() => readable(west), 5_000, "the place of record back");
  assert.equal(w.stateOf(west, "east"), "compromised", "absence is not a restore");
  assert.equal((await w.post(west, "/sites/east/restore?why=clean")).status, 200);
  assert.equal(w.stateOf(west, "east"), "healthy");
});

test("an answer without the sentinel is not visible: nothing in it applies, and the gateway says why", async (t) => {
  const w = await world(t);
  w.double.deleteKV("ctl", "gw/sentinel");
  w.double.putKV("ctl", "gw/flags/east", '{"draining": true, "generation": 1}');
  const west = await w.start("west");
  await eventually(
    async () => {
      const sites = (await (await fetch(`${west.adminUrl}/sites`)).json()) as {
        fleet: { controlPlane: { datacenters: { reason?: string }[] } };
      };
      return /sentinel/.test(sites.fleet.controlPlane.datacenters[0]?.reason ?? "");
    },
    5_000,
    "the reason",
  );
  assert.equal(w.stateOf(west, "east"), "healthy");
  w.double.putKV("ctl", "gw/sentinel", "{}");
  await eventually(() => w.stateOf(west, "east") === "draining", 5_000, "the record once visible");
});

test("a lower generation never undoes a newer record, from any control datacenter", async (t) => {
  const w = await world(t, ["ctl1", "ctl2"]);
  w.double.putKV("ctl1", "gw/flags/east", '{"compromised": true, "generation": 2}');
  w.double.putKV("ctl2", "gw/flags/east", '{"restored": true, "generation": 1}');
  const west = await w.start("west");
  await eventually(() => w.stateOf(west, "east") === "compromised", 5_000, "the newer record");
  w.double.putKV("ctl2", "gw/flags/east", '{"restored": true, "generation": 1, "why": "stale"}');
  await eventually(() => w.double.blockedQueries() >= 2, 5_000, "the watches to block again");
  assert.equal(w.stateOf(west, "east"), "compromised");
});

test("with the first control datacenter down, an override is stored in the next and read by every gateway", async (t) => {
  const w = await world(t, ["ctl1", "ctl2"]);
  const [west, east] = [await w.start("west"), await w.start("east")];
  await eventually(() => readable(east), 5_000, "east to read");
  await w.double.datacenterDown("ctl1", true);
  const answer = await w.post(west, "/sites/hub/compromise");
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.deepEqual(answer.body.storedIn, ["ctl2"]);
  assert.equal((answer.body.notStoredIn as { datacenter: string }[])[0]?.datacenter, "ctl1");
  await eventually(() => w.stateOf(east, "hub") === "compromised", 5_000, "east to see it");
  await w.double.datacenterDown("ctl2", true);
  const refused = await w.post(west, "/sites/hub/restore");
  assert.deepEqual([refused.status, refused.body.code], [503, "override_not_stored"]);
  assert.equal(w.stateOf(west, "hub"), "compromised");
  const local = await w.post(west, "/sites/west/drain?local&expiresInS=60");
  assert.deepEqual([local.status, local.body.scope, local.body.fleetWide], [200, "local", false]);
  assert.equal(w.stateOf(west, "west"), "draining");
  assert.equal(w.stateOf(east, "west"), "healthy", "a local override stays local");
  const metrics = await (await fetch(`${west.adminUrl}/metrics`)).text();
  assert.match(metrics, /gateway_ops_override\{site="west",flag="draining",scope="local"\} 1/);
  assert.match(metrics, /gateway_ops_override\{site="hub",flag="compromised",scope="fleet"\} 1/);
});

test("a gateway started again while Consul is unreachable starts from the overrides it kept", async (t) => {
  const w = await world(t);
  const first = await w.start("west");
  await eventually(() => readable(first), 5_000, "the first answer");
  assert.equal((await w.post(first, "/sites/east/compromise")).status, 200);
  await first.shutdown(100);
  w.double.failAll(true, 500);
  const again = await w.start("west");
  assert.equal(w.stateOf(again, "east"), "compromised", "before any answer from Consul");
});

test("with ACLs, the gateway's own token cannot write an override; an operator's X-Consul-Token can", async (t) => {
  const w = await world(t);
  w.double.acl(true, "deny");
  w.double.setToken("anonymous", {
    key_prefix: { "gw/": "read" },
    service_prefix: { "": "read" },
    node_prefix: { "": "read" },
  });
  w.double.setToken("ops-secret", { key_prefix: { "gw/": "write" } });
  const west = await w.start("west");
  await eventually(() => readable(west), 5_000, "the first answer");
  const refused = await w.post(west, "/sites/east/compromise");
  assert.deepEqual([refused.status, refused.body.code], [503, "override_not_stored"]);
  assert.match(String(refused.body.detail), /permission denied/);
  const done = await w.post(west, "/sites/east/compromise", { "x-consul-token": "ops-secret" });
  assert.equal(done.status, 200, JSON.stringify(done.body));
});

test("concurrent writers all land by check-and-set, and the audit history stays bounded", async (t) => {
  const w = await world(t, ["ctl"], 10);
  const [west, east] = [await w.start("west"), await w.start("east")];
  await eventually(() => readable(west), 5_000, "west to read");
  const posts = [...Array(6)].flatMap((_, i) => [
    w.post(west, `/sites/hub/drain?why=w${i}`),
    w.post(east, `/sites/west/drain?why=e${i}`),
  ]);
  const answers = await Promise.all(posts);
  assert.deepEqual(
    answers.map((a) => a.status),
    answers.map(() => 200),
  );
  const stored = JSON.parse(
    await (await fetch(`${w.double.urlOf("ctl")}/v1/kv/gw/flags/hub?raw`)).text(),
  );
  assert.equal(stored.generation, 6, "six writes, six generations: none lost");
  assert.ok(
    w.double
      .requests()
      .filter((r) => r.method === "PUT" && r.path.includes("/flags/"))
      .every((r) => r.query.cas !== undefined),
  );
  // Each writer trims to the newest 10 it listed (after its answer); a list may miss one appended
  // after it, so 11 may stay until the next write.
  await eventually(async () => (await auditKeys(w)).length <= 11, 5_000, "the history trimmed");
  assert.ok((await auditKeys(w)).length >= 10, "the newest 10 kept");
});

test("a policy in the place of record is applied, and a malformed one refused with every error", async (t) => {
  const w = await world(t);
  const west = await w.start("west");
  await eventually(() => readable(west), 5_000, "the first answer");
  w.double.putKV(
    "ctl",
    "gw/policy",
    "services:\n  - name: web\n    hosts: ['*']\n  - name: api\n    hosts: [api.example.org]\n",
  );
  await eventually(() => west.state.snapshot.services.length === 2, 5_000, "the policy");
  w.double.putKV(
    "ctl",
    "gw/policy",
    "services:\n  - name: web\n    hosts: ['*']\n    steering: fastest\n",
  );
  await eventually(() => west.state.rejected !== undefined, 5_000, "the rejection");
  assert.deepEqual(
    west.state.rejected?.errors.map((e) => [e.file, e.line, e.path]),
    [["consul-kv:gw/policy", 4, "services[0].steering"]],
  );
  assert.equal(west.state.snapshot.services.length, 2, "the last good keeps serving");
});

test("a registered site whose backend fails its probes does not join; once it passes the rise rule, it does", async (t) => {
  const w = await world(t);
  const backend = await startBackend("new-1", answerText(503, "starting"));
  t.after(() => backend.kill());
  const west = await w.start("west", {
    probes: { enabled: false, intervalMs: 20, timeoutMs: 500 },
  });
  await eventually(() => readable(west), 5_000, "the first answer");
  const entry = testSite("new", { longitude: 5, tier: "edge", backends: [backend.address] });
  w.double.putKV("ctl", "gw/sites/new", JSON.stringify(entry));
  await eventually(() => backend.hits() >= 5, 5_000, "the candidate to be probed");
  assert.equal(west.state.snapshot.siteIndex.has("new"), false, "failing probes keep it out");
  backend.behave(echo);
  await eventually(() => west.state.snapshot.siteIndex.has("new"), 5_000, "the candidate to join");
  w.double.deleteKV("ctl", "gw/sites/new");
  await eventually(() => !west.state.snapshot.siteIndex.has("new"), 5_000, "the member to leave");
});
