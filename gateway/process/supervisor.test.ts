/**
 * `gateway serve` with workers, as real processes and signals: one control state across the
 * workers (an ops override reaches every one or the call fails), a worker that dies is
 * replaced, a crash loop and a failed start end the process non-zero, repeated SIGTERMs drain
 * once, a SIGHUP at start-up does not kill, and a catalogue without the gateway's own site is
 * refused.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { test } from "node:test";
import { Agent, fetch as undiciFetch } from "undici";
import { eventually, startBackend, type TestBackend } from "../testing/fixtures.ts";
import { serveGateway } from "../testing/served-gateway.ts";
import { adminPost } from "../testing/test-admin.ts";

type After = { after: (fn: () => unknown) => void };

const site = (id: string, tier: string, longitude: number, backend: TestBackend) =>
  `  - { id: ${id}, name: ${id.toUpperCase()}, country: EC, jurisdiction: EC, latitude: 0, longitude: ${longitude}, tier: ${tier}, capacity: 1000, backends: ["${backend.address}"] }`;

/**
 * Sites `here` (this gateway's, drained by the policy so it gets no traffic), `bbb` (an edge
 * next door) and `hub`; requests go to bbb, and to the hub when bbb is out.
 */
async function world(t: After) {
  const backends = {
    here: await startBackend("here"),
    bbb: await startBackend("bbb"),
    hub: await startBackend("hub"),
  };
  t.after(() => Promise.all(Object.values(backends).map((b) => b.kill())));
  const catalogue = (sites: readonly ("here" | "bbb" | "hub")[]) =>
    `sites:\n${sites
      .map((id) =>
        site(id, id === "hub" ? "hub" : "edge", { here: 0, bbb: 1, hub: 40 }[id], backends[id]),
      )
      .join("\n")}\n`;
  return { backends, catalogue };
}

const POLICY = 'defaults: { drain: [here] }\nservices:\n  - { name: web, hosts: ["*"] }\n';

const boot = (extra = "") =>
  `site: here
catalogue: catalogue.yaml
policy: policy.yaml
listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0 }
probes: { enabled: false }
log: { level: info, requests: false }
${extra}`;

async function serve(t: After, extraBoot = "", workers = 2) {
  const w = await world(t);
  const served = serveGateway(
    t,
    { catalogue: w.catalogue(["here", "bbb", "hub"]), policy: POLICY, boot: boot(extraBoot) },
    ["--workers", String(workers)],
  );
  const { url, admin } = await served.listening();
  return { ...w, served, url, admin };
}

/** How many of `n` sequential requests each backend served (a fresh connection each). */
async function spread(url: string, n: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${url}/x`, { headers: { connection: "close" } });
    const who = res.ok
      ? ((await res.json()) as { backend: string }).backend
      : `status ${res.status}`;
    counts[who] = (counts[who] ?? 0) + 1;
  }
  return counts;
}

interface WorkerView {
  readonly worker: number;
  readonly pid: number;
  readonly snapshotVersion: number;
  readonly listening: boolean;
}

async function sites(admin: string) {
  return (await (await fetch(`${admin}/sites`)).json()) as {
    snapshotVersion: number;
    workers: WorkerView[];
    rejectedConfig: { errors: { message: string }[] } | null;
  };
}

const listeningWorkers = async (admin: string) =>
  (await sites(admin)).workers.filter((w) => w.listening);

test("with 2 workers, a compromise answered 200 reaches both: 0 of 300 requests go to the site", async (t) => {
  const { url, admin } = await serve(t);
  await eventually(async () => (await listeningWorkers(admin)).length === 2, 10_000, "2 workers");
  const before = await spread(url, 40);
  assert.ok((before.bbb ?? 0) > 0, `bbb serves before: ${JSON.stringify(before)}`);
  const postedAt = performance.now();
  const posted = await adminPost(`${admin}/sites/bbb/compromise`);
  assert.equal(posted.status, 200, await posted.text());
  // The answer comes once both workers confirmed the new snapshot: its time is the propagation.
  t.diagnostic(
    `compromise applied by both workers ${Math.round(performance.now() - postedAt)} ms after the POST`,
  );
  const after = await spread(url, 300);
  assert.deepEqual(after, { hub: 300 });
  const view = await sites(admin);
  assert.deepEqual(
    view.workers.map((w) => w.snapshotVersion),
    [view.snapshotVersion, view.snapshotVersion],
    "every worker serves the control plane's snapshot",
  );
});

test("a worker killed with SIGKILL is logged and forked again, and the gateway keeps serving", async (t) => {
  const { url, admin, served } = await serve(t);
  await eventually(async () => (await listeningWorkers(admin)).length === 2, 10_000, "2 workers");
  const [victim] = await listeningWorkers(admin);
  assert.ok(victim);
  const killedAt = performance.now();
  process.kill(victim.pid, "SIGKILL");
  await eventually(
    async () => {
      const workers = await listeningWorkers(admin);
      return workers.length === 2 && workers.every((w) => w.pid !== victim.pid);
    },
    10_000,
    "a new worker in its place",
  );
  t.diagnostic(
    `replaced and listening ${Math.round(performance.now() - killedAt)} ms after the kill`,
  );
  // Log lines reach stdout within a second (the buffer's flush).
  await eventually(
    () => served.logged("worker died; forking it again").length > 0,
    5_000,
    "the death logged",
  );
  const died = served.logged("worker died; forking it again")[0];
  assert.deepEqual([died?.pid, died?.signal], [victim.pid, "SIGKILL"]);
  assert.deepEqual(await spread(url, 20), { bbb: 20 });
});

test("workers that keep dying make the gateway give up and exit 1", async (t) => {
  const settings =
    "supervisor: { restartDelayMs: 10, crashLoopRestarts: 2, crashLoopWindowMs: 60000 }";
  const { admin, served } = await serve(t, settings, 1);
  for (let death = 0; death < 3; death++) {
    await eventually(
      async () => (await listeningWorkers(admin).catch(() => [])).length === 1,
      10_000,
      "a worker",
    );
    const [worker] = await listeningWorkers(admin);
    if (worker) process.kill(worker.pid, "SIGKILL");
    await eventually(
      async () =>
        !(await listeningWorkers(admin).catch(() => [])).some((w) => w.pid === worker?.pid),
      10_000,
      "the worker gone",
    );
  }
  assert.equal(await served.exited, 1, served.output());
  assert.equal(
    served.logged("workers keep dying: giving up (exit 1, for systemd to restart the gateway)")
      .length,
    1,
  );
});

test("workers that cannot listen fail the start: exit 1, saying why", async (t) => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
  t.after(() => taken.close());
  const port = (taken.address() as { port: number }).port;
  const w = await world(t);
  const served = serveGateway(t, {
    catalogue: w.catalogue(["here", "bbb", "hub"]),
    policy: POLICY,
    boot: boot().replace(
      "listen: { host: 127.0.0.1, port: 0 }",
      `listen: { host: 127.0.0.1, port: ${port} }`,
    ),
  });
  assert.equal(await served.exited, 1, served.output());
  assert.match(served.output(), /EADDRINUSE/);
  assert.equal(served.logged("the gateway could not start").length, 1);
});

test("two SIGTERMs 0.2 s apart drain once: all 100 slow requests in flight finish with 200", async (t) => {
  const w = await world(t);
  const waiting: (() => void)[] = [];
  w.backends.bbb.behave((req, res) => {
    req.resume();
    waiting.push(() => res.end(JSON.stringify({ backend: "bbb" })));
  });
  const served = serveGateway(
    t,
    {
      catalogue: w.catalogue(["here", "bbb", "hub"]),
      policy: POLICY,
      boot: boot("limits: { shutdownDelayMs: 100, shutdownGraceMs: 20000 }"),
    },
    ["--workers", "2"],
  );
  const { url } = await served.listening();
  const agent = new Agent({ connections: 200 });
  t.after(() => agent.close());
  const answers = Array.from({ length: 100 }, () =>
    undiciFetch(`${url}/slow`, { dispatcher: agent }).then((r) => r.status),
  );
  await eventually(() => waiting.length === 100, 10_000, "100 requests held at the backend");
  served.child.kill("SIGTERM");
  await new Promise((resolve) => setTimeout(resolve, 200));
  served.child.kill("SIGTERM");
  await eventually(() => served.logged("signal").length === 2, 5_000, "both signals logged");
  for (const reply of waiting.splice(0)) reply();
  assert.deepEqual(await Promise.all(answers), Array(100).fill(200));
  assert.equal(await served.exited, 0, served.output());
});

/** Whether the process has a handler for SIGHUP now (Linux: the SigCgt mask in /proc). */
function catchesSighup(pid: number): boolean {
  try {
    const mask = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return mask !== undefined && (BigInt(`0x${mask}`) & 1n) === 1n;
  } catch {
    return false;
  }
}

test("a SIGHUP while the gateway is still loading does not kill it: held, then acted on once up", async (t) => {
  if (!existsSync("/proc/self/status"))
    return t.skip("needs Linux /proc to see when the handler is in");
  const w = await world(t);
  const served = serveGateway(
    t,
    { catalogue: w.catalogue(["here", "bbb", "hub"]), policy: POLICY, boot: boot() },
    ["--workers", "1"],
  );
  const pid = served.child.pid ?? 0;
  // The first instruction of cli.ts installs the handler, long before the gateway listens.
  await eventually(() => catchesSighup(pid), 10_000, "the SIGHUP handler");
  assert.equal(served.logged("gateway listening").length, 0, "still starting");
  served.child.kill("SIGHUP");
  const { url } = await served.listening();
  assert.deepEqual(await spread(url, 5), { bbb: 5 });
  await eventually(() => served.logged("signal").length === 1, 5_000, "the SIGHUP acted on");
  assert.equal(served.logged("signal")[0]?.signal, "SIGHUP");
  assert.equal(served.child.exitCode, null, served.output());
});

test("SIGQUIT during a drain stops at once: requests still held are cut, exit 0", async (t) => {
  const w = await world(t);
  w.backends.bbb.behave((req) => req.resume());
  const served = serveGateway(
    t,
    {
      catalogue: w.catalogue(["here", "bbb", "hub"]),
      policy: POLICY,
      boot: boot("limits: { shutdownDelayMs: 100, shutdownGraceMs: 60000 }"),
    },
    ["--workers", "1"],
  );
  const { url } = await served.listening();
  const held = fetch(`${url}/held`).then(
    (r) => r.status,
    () => "cut",
  );
  await eventually(() => w.backends.bbb.hits() === 1, 10_000, "the request at the backend");
  served.child.kill("SIGTERM");
  await eventually(() => served.logged("signal").length === 1, 5_000, "the drain begun");
  served.child.kill("SIGQUIT");
  assert.equal(await served.exited, 0, served.output());
  assert.notEqual(await held, 200);
});

test("a catalogue reload without the gateway's own site is refused: rejected gauge 1, reason in /sites and the log", async (t) => {
  const { url, admin, served, catalogue } = await serve(t, "", 1);
  // The policy without its drain of `here`, so the missing own site is the only error.
  served.write("policy.yaml", 'services:\n  - { name: web, hosts: ["*"] }\n');
  served.write("catalogue.yaml", catalogue(["bbb", "hub"]));
  served.child.kill("SIGHUP");
  await eventually(async () => (await sites(admin)).rejectedConfig !== null, 10_000, "the refusal");
  const reason = (await sites(admin)).rejectedConfig?.errors[0]?.message ?? "";
  assert.match(reason, /own site "here" is not in the catalogue/);
  const metrics = await (await fetch(`${admin}/metrics`)).text();
  assert.match(metrics, /^gateway_config_rejected 1$/m);
  await eventually(
    () => /own site \\"here\\" is not in the catalogue/.test(served.output()),
    5_000,
    "the reason logged",
  );
  assert.deepEqual(await spread(url, 5), { bbb: 5 }, "the last good config serves");
});
