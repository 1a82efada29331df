// A demo backend on its own: the JSON it answers, its WAN delay, kill and revive, WebSockets.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { estimateRttMs } from "../../routing-tables/geo.ts";
import { eventually } from "../testing/fixtures.ts";
import { ingressFromVia, startWanBackend, type WanBackend } from "./wan-backend.ts";

const PLACES = new Map([
  ["znz", { latitude: -6.1659, longitude: 39.2026 }],
  ["dar", { latitude: -6.7924, longitude: 39.2083 }],
  ["bue", { latitude: -34.6037, longitude: -58.3816 }],
]);

async function backend(t: TestContext): Promise<WanBackend> {
  const started = await startWanBackend({
    siteId: "znz",
    index: 2,
    coordinatesOf: (id) => PLACES.get(id),
  });
  t.after(() => started.close());
  return started;
}

async function get(b: WanBackend, via?: string) {
  const response = await fetch(`http://${b.address}/a/b?c=1`, {
    headers: via === undefined ? {} : { via },
  });
  return (await response.json()) as Record<string, unknown>;
}

test("the ingress is the last gw- entry of Via", () => {
  assert.equal(ingressFromVia("1.1 gw-bue"), "bue");
  assert.equal(ingressFromVia("1.0 corporate-proxy, 1.1 gw-lhr, 1.1 gw-cdg"), "cdg");
  assert.equal(ingressFromVia("1.1 demo-anycast"), undefined);
  assert.equal(ingressFromVia(undefined), undefined);
});

test("a backend names its site, itself, the ingress and the request", async (t) => {
  const b = await backend(t);
  const body = await get(b, "1.1 gw-dar");
  assert.deepEqual(
    { ...body, wanDelayMs: undefined },
    {
      site: "znz",
      backend: "znz-2",
      ingress: "dar",
      method: "GET",
      path: "/a/b?c=1",
      wanDelayMs: undefined,
    },
  );
  assert.equal(b.hits(), 1);
});

test("the WAN delay is the estimated round trip from the ingress, and the answer waits for it", async (t) => {
  const b = await backend(t);
  const expected = estimateRttMs(PLACES.get("bue") as never, PLACES.get("znz") as never);
  const started = performance.now();
  const body = await get(b, "1.1 gw-bue");
  const elapsed = performance.now() - started;
  assert.ok(
    Math.abs((body.wanDelayMs as number) - expected) < 0.1,
    `${body.wanDelayMs} vs ${expected}`,
  );
  assert.ok(elapsed >= expected - 1, `answered after ${elapsed} ms, delay ${expected} ms`);
});

test("an unknown ingress costs no WAN delay", async (t) => {
  const b = await backend(t);
  assert.equal((await get(b)).wanDelayMs, 0);
  const body = await get(b, "1.1 gw-nowhere");
  assert.deepEqual([body.ingress, body.wanDelayMs], ["nowhere", 0]);
});

test("a killed backend refuses connections and cuts a delayed answer; revived, it answers on the same port", async (t) => {
  const b = await backend(t);
  // About 200 ms of WAN delay from Buenos Aires: still waiting when the backend is killed.
  const outcome = get(b, "1.1 gw-bue").then(
    () => "answered",
    () => "cut",
  );
  await eventually(() => b.hits() > 0, 10_000, "the request to arrive");
  const killedAt = performance.now();
  await b.kill();
  assert.equal(await outcome, "cut");
  assert.ok(performance.now() - killedAt < 100, "the delayed answer was cut, not waited for");
  assert.equal(b.isAlive(), false);
  await assert.rejects(fetch(`http://${b.address}/`));
  await b.revive();
  assert.equal((await get(b)).site, "znz");
});

test("a WebSocket upgrade is accepted and echoes messages", async (t) => {
  const b = await backend(t);
  const socket = new WebSocket(`ws://${b.address}/chat`);
  t.after(() => socket.close());
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  const echoed = new Promise<string>((resolve) => {
    socket.onmessage = (event) => resolve(String(event.data));
  });
  socket.send("jambo");
  assert.equal(await echoed, "jambo");
});
