import assert from "node:assert/strict";
import { createServer, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { type TestContext, test } from "node:test";
import { Agent } from "undici";
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
    // A timeout long enough that a loaded machine still sees the cut body before it (a short
    // one made the cut site read as a timeout under the full suite).
    settings: { intervalMs: 50, timeoutMs: 1_000 },
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
    of(results, "silent").every((r) => r.latencyMs >= 990),
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

/**
 * An undici Agent that notes, on the injected clock, each request it is given: a probe fires
 * in the timer callback that starts it, so the note is there as soon as the timer has run.
 */
function notingAgent(t: TestContext) {
  const fired: [number, string][] = [];
  const agent = new Agent();
  t.after(() => agent.close());
  const dispatcher = agent.compose((dispatch) => (options, handler) => {
    fired.push([Date.now(), String(options.origin)]);
    return dispatch(options, handler);
  });
  return { dispatcher, fired };
}

/** Yields to real I/O until `done()` holds (a generous bound in real time, not a measure). */
async function settle(done: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (!done()) {
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise(setImmediate);
  }
}

test("probes fire at spread, jittered times, and the next one waits for the last to end", async (t) => {
  // Real servers on port 0; the clock and the prober's timers are node:test's mock timers
  // (real I/O goes on between ticks; the mocked clock stands still while it does).
  const a = await listen(t, (_, res) => res.end("ok"));
  const held: (() => void)[] = [];
  const b = await listen(t, (_, res) => {
    held.push(() => res.end("ok"));
  });
  t.mock.timers.enable({ apis: ["setTimeout", "Date"], now: 0 });
  const { dispatcher, fired } = notingAgent(t);
  const results: ProbeResult[] = [];
  const prober = createProber({
    targets: [
      { siteId: "a", backend: a.backend },
      { siteId: "b", backend: b.backend },
    ],
    settings: { intervalMs: 1_000, jitterRatio: 0.1, timeoutMs: 1_000 },
    dispatcher,
    now: Date.now,
    random: () => 0.75, // start at 75 % of each half-interval slot; every wait +5 %
    setTimer: (callback, delayMs) => setTimeout(callback, delayMs),
    clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
    onResult: (result) => results.push(result),
  });
  t.after(() => prober.stop());
  let clock = 0;
  const origin = { a: `http://${a.backend}`, b: `http://${b.backend}` };
  /** Nothing fires before `at`; at `at` the probe of `siteId` does. */
  const firesAt = (at: number, siteId: "a" | "b") => {
    const before = fired.length;
    t.mock.timers.tick(at - 1 - clock);
    assert.equal(fired.length, before, `nothing fires before ${at}`);
    t.mock.timers.tick(1);
    clock = at;
    assert.deepEqual(fired.slice(before), [[at, origin[siteId]]], `${siteId} fires at ${at}`);
  };
  /** The result of the probe in flight, once its answer has come (real I/O). */
  const answered = async (count: number) => {
    await settle(() => results.length === count, `result ${count}`);
    const last = results.at(-1);
    return [last?.siteId, last?.at, last?.latencyMs, last?.ok];
  };
  prober.start();
  // Slots of 500 ms: a at 0.75 × 500, b at 1.75 × 500; then each 1050 ms after its last ended.
  firesAt(375, "a");
  assert.deepEqual(await answered(1), ["a", 375, 0, true]);
  firesAt(875, "b");
  // b's backend holds the answer while 200 ms pass: the probe ends at 1075, not 875.
  await settle(() => held.length === 1, "b's backend to hold the probe");
  t.mock.timers.tick(200);
  clock = 1_075;
  held.shift()?.();
  assert.deepEqual(await answered(2), ["b", 1_075, 200, true]);
  firesAt(1_425, "a");
  assert.deepEqual(await answered(3), ["a", 1_425, 0, true]);
  firesAt(2_125, "b"); // 1075 + 1050: from the end of the last probe, not its start (1925)
  await settle(() => held.length === 1, "b's second probe to arrive");
  held.shift()?.();
  assert.deepEqual(await answered(4), ["b", 2_125, 0, true]);
  firesAt(2_475, "a");
  assert.deepEqual(await answered(5), ["a", 2_475, 0, true]);
  assert.deepEqual(
    [a.stats.paths, b.stats.paths],
    [
      ["/healthz", "/healthz", "/healthz"],
      ["/healthz", "/healthz"],
    ],
    "each probe reached its real backend",
  );
});
