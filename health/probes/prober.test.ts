import assert from "node:assert/strict";
import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { type TestContext, test } from "node:test";
import { MockAgent } from "undici";
import { eventually } from "../../gateway/testing/fixtures.ts";
import type { ProbeResult } from "./probe-result.ts";
import { type ClearTimer, createProber, type SetTimer } from "./prober.ts";

/** A real server on 127.0.0.1, port 0, closed after the test; counts requests and connections. */
async function listen(t: TestContext, handler: RequestListener) {
  const stats = { requests: 0, connections: 0, paths: [] as string[] };
  const server = createServer((req, res) => {
    stats.requests++;
    stats.paths.push(req.url ?? "");
    handler(req, res);
  });
  server.on("connection", () => stats.connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const open = () => new Promise<number>((done) => server.getConnections((_, n) => done(n)));
  return { backend: `127.0.0.1:${(server.address() as AddressInfo).port}`, stats, open };
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `127.0.0.1:${port}`;
}

/** Real timers, NOT unref'd (a leak would hold the test process), with a count of live ones. */
function countedTimers() {
  const live = new Set<NodeJS.Timeout>();
  const setTimer: SetTimer = (callback, delayMs) => {
    const handle = setTimeout(() => {
      live.delete(handle);
      callback();
    }, delayMs);
    live.add(handle);
    return handle;
  };
  const clearTimer: ClearTimer = (handle) => {
    live.delete(handle as NodeJS.Timeout);
    clearTimeout(handle as NodeJS.Timeout);
  };
  return { live, setTimer, clearTimer };
}

const of = (results: ProbeResult[], siteId: string) => results.filter((r) => r.siteId === siteId);

test("each backend's result says what it answered: 200, 503, silence, refused, a cut body", async (t) => {
  const healthy = await listen(t, (_, res) => res.end("ok"));
  const sick = await listen(t, (_, res) => res.writeHead(503).end());
  const silent = await listen(t, () => {});
  const cut = await listen(t, (_, res) => {
    res.writeHead(200, { "content-length": "100" }).write("partial");
    setImmediate(() => res.socket?.destroy());
  });
  const refused = await closedPort();
  const timers = countedTimers();
  const results: ProbeResult[] = [];
  const prober = createProber({
    targets: [
      { siteId: "healthy", backend: healthy.backend },
      { siteId: "sick", backend: sick.backend },
      { siteId: "silent", backend: silent.backend },
      { siteId: "cut", backend: cut.backend },
      { siteId: "refused", backend: refused },
    ],
    settings: { intervalMs: 50, timeoutMs: 150 },
    ...timers,
    onResult: (result) => results.push(result),
  });
  prober.start();
  const sites = ["healthy", "sick", "silent", "cut", "refused"];
  await eventually(
    () => sites.every((s) => of(results, s).length >= 2),
    10_000,
    "two results per site",
  );
  await prober.stop();

  const shape = (siteId: string) =>
    new Set(of(results, siteId).map((r) => `${r.ok} ${r.status} ${r.error}`));
  assert.deepEqual(shape("healthy"), new Set(["true 200 undefined"]));
  assert.deepEqual(shape("sick"), new Set(["false 503 undefined"]));
  assert.deepEqual(shape("silent"), new Set(["false undefined timeout"]));
  assert.deepEqual(shape("cut"), new Set(["false 200 reset"]));
  assert.deepEqual(shape("refused"), new Set(["false undefined refused"]));
  assert.ok(
    of(results, "silent").every((r) => r.latencyMs >= 140),
    "timeouts last the timeout",
  );
  assert.ok(
    results.every((r) => r.latencyMs >= 0 && r.at > 1.6e12),
    "latency ms, `at` epoch ms",
  );
  assert.ok(healthy.stats.paths.every((p) => p === "/healthz"));
  assert.equal(healthy.stats.connections, 1, "probes reuse one keep-alive connection");
  assert.equal(timers.live.size, 0, "stop() leaves no timer");
});

test("stop() aborts a probe in flight, publishes nothing of it and closes its connection", async (t) => {
  const silent = await listen(t, () => {});
  const timers = countedTimers();
  const results: ProbeResult[] = [];
  const prober = createProber({
    targets: [{ siteId: "silent", backend: silent.backend }],
    settings: { intervalMs: 50, timeoutMs: 60_000 },
    ...timers,
    onResult: (result) => results.push(result),
  });
  prober.start();
  await eventually(() => silent.stats.requests === 1, 10_000, "the probe to arrive");
  const started = performance.now();
  await prober.stop();
  assert.ok(performance.now() - started < 1_000, "stop() does not wait for the 60 s timeout");
  assert.deepEqual(results, []);
  assert.equal(timers.live.size, 0);
  await eventually(
    async () => (await silent.open()) === 0,
    10_000,
    "the probe's connection to close",
  );
  assert.throws(() => prober.start(), /after stop/);
});

test("setTargets: removed targets stop at once, kept ones go on, new ones start", async (t) => {
  const healthy = await listen(t, (_, res) => res.end("ok"));
  const results: ProbeResult[] = [];
  const target = (siteId: string) => ({ siteId, backend: healthy.backend });
  const prober = createProber({
    targets: [target("kept"), target("removed")],
    settings: { intervalMs: 20, timeoutMs: 1_000 },
    onResult: (result) => results.push(result),
  });
  t.after(() => prober.stop());
  prober.start();
  await eventually(
    () => of(results, "removed").length >= 1,
    10_000,
    "a first result of the doomed one",
  );
  prober.setTargets([target("kept"), target("added")]);
  const mark = results.length;
  await eventually(
    () => of(results.slice(mark), "added").length >= 2,
    10_000,
    "the new target's results",
  );
  await eventually(
    () => of(results.slice(mark), "kept").length >= 2,
    10_000,
    "the kept target going on",
  );
  assert.deepEqual(of(results.slice(mark), "removed"), []);
});

test("probes fire at spread, jittered times, and the next one waits for the last to end", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "Date"], now: 0 });
  const agent = new MockAgent();
  agent.disableNetConnect();
  for (const origin of ["http://10.0.0.1:80", "http://10.0.0.2:80"]) {
    agent.get(origin).intercept({ path: "/healthz", method: "GET" }).reply(200, "ok").persist();
  }
  t.after(() => agent.close());
  const results: ProbeResult[] = [];
  const prober = createProber({
    targets: [
      { siteId: "a", backend: "10.0.0.1:80" },
      { siteId: "b", backend: "10.0.0.2:80" },
    ],
    settings: { intervalMs: 1_000, jitterRatio: 0.1 },
    dispatcher: agent,
    now: Date.now,
    random: () => 0.75, // start at 75 % of each half-interval slot; every wait +5 %
    setTimer: (callback, delayMs) => setTimeout(callback, delayMs),
    clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
    onResult: (result) => results.push(result),
  });
  const settle = async (count: number) => {
    for (let i = 0; i < 50 && results.length < count; i++) await new Promise(setImmediate);
  };
  prober.start();
  // Slots of 500 ms: a at 0.75 × 500, b at 1.75 × 500; then each 1050 ms after its last ended.
  const expected: [number, string][] = [
    [375, "a"],
    [875, "b"],
    [1425, "a"],
    [1925, "b"],
    [2475, "a"],
  ];
  let clock = 0;
  for (const [at, siteId] of expected) {
    const before = results.length;
    t.mock.timers.tick(at - 1 - clock);
    await settle(before + 1);
    assert.equal(results.length, before, `nothing fires before ${at}`);
    t.mock.timers.tick(1);
    clock = at;
    await settle(before + 1);
    assert.equal(results.length, before + 1, `one probe at ${at}`);
    assert.deepEqual(
      [results.at(-1)?.at, results.at(-1)?.siteId, results.at(-1)?.ok],
      [at, siteId, true],
    );
  }
  await prober.stop();
});
