// I/O: WebSocket upgrades through a real gateway (http-proxy-3) to backends running a `ws`
// echo server, with Node's global WebSocket as the client; refusals over raw sockets, since
// the WebSocket client cannot choose its Host.
import assert from "node:assert/strict";
import { once } from "node:events";
import type { IncomingHttpHeaders } from "node:http";
import { type TestContext, test } from "node:test";
import { startTestWorld, type TestWorld } from "../testing/fixtures.ts";
import { rawExchange } from "../testing/raw-http.ts";
import { echoWebSockets } from "../testing/ws-backends.ts";

/**
 * Backends with an echoing WebSocket server on their http server's 'upgrade'; the request
 * heads of the upgrades they accept go into `seen`.
 */
async function world(
  t: TestContext,
  boot: Record<string, unknown> = {},
  seen: IncomingHttpHeaders[] = [],
): Promise<TestWorld> {
  const w = await startTestWorld({
    sites: [{ id: "bue", backends: 2 }],
    policy: { services: [{ name: "ws", hosts: ["127.0.0.1"] }] },
    boot,
  });
  const closeEchoes = echoWebSockets(w, seen);
  t.after(async () => {
    await closeEchoes();
    await w.close();
  });
  return w;
}

test("a WebSocket through the gateway gets its three messages echoed", async (t) => {
  const w = await world(t);
  const socket = new WebSocket(w.gateway("bue").url.replace(/^http/, "ws"));
  t.after(() => socket.close());
  const received: string[] = [];
  const allEchoed = new Promise<void>((resolve, reject) => {
    socket.addEventListener("message", (event) => {
      received.push(String(event.data));
      if (received.length === 3) resolve();
    });
    socket.addEventListener("error", () => reject(new Error("WebSocket error")));
  });
  await once(socket, "open");
  for (const text of ["one", "two", "three"]) socket.send(text);
  await bounded(allEchoed, "three echoes");
  assert.deepEqual(received, ["one", "two", "three"]);
  socket.close();
  await bounded(once(socket, "close"), "close");
});

/**
 * Writes an upgrade request for `host`; resolves with all that came back once the gateway
 * closes the socket, or once a 101 head is in (the socket is then closed here).
 */
function rawUpgrade(w: TestWorld, host: string, extra: readonly string[] = []): Promise<string> {
  const request = [
    "GET /chat HTTP/1.1",
    `Host: ${host}`,
    "Connection: Upgrade",
    "Upgrade: websocket",
    ...extra,
    "Sec-WebSocket-Version: 13",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "",
    "",
  ].join("\r\n");
  const switched = (text: string) => text.startsWith("HTTP/1.1 101 ") && text.includes("\r\n\r\n");
  return rawExchange(w.gateway("bue").url, request, switched);
}

function statusOf(raw: string): number {
  return Number(/^HTTP\/1\.1 (\d{3}) /.exec(raw)?.[1]);
}

test("an upgrade for an unknown host is refused with 421 unknown_host and closed", async (t) => {
  const w = await world(t);
  const answer = await rawUpgrade(w, "unknown.example");
  assert.equal(statusOf(answer), 421);
  assert.match(answer, /content-type: application\/problem\+json/i);
  assert.match(answer, /"code":"unknown_host"/);
});

test("an upgrade for an unknown host answers unknownHostStatus, as a plain request does", async (t) => {
  const w = await world(t, { unknownHostStatus: 404 });
  assert.equal(statusOf(await rawUpgrade(w, "unknown.example")), 404);
});

test("an upgrade with a malformed Host is refused with 400 and closed", async (t) => {
  const w = await world(t);
  const answer = await rawUpgrade(w, "a b");
  assert.equal(statusOf(answer), 400);
  assert.match(answer, /"code":"bad_request"/);
});

test("an upgrade to a site whose backends are all down is answered with a 5xx, not left hanging", async (t) => {
  const w = await world(t);
  await Promise.all((w.backends.get("bue") ?? []).map((b) => b.kill()));
  const status = statusOf(await rawUpgrade(w, "127.0.0.1"));
  assert.ok(status >= 500 && status < 600, `status ${status}`);
});

test("an upgrade from an untrusted peer reaches the backend with the gateway's forwarding headers only", async (t) => {
  const seen: IncomingHttpHeaders[] = [];
  const w = await world(t, { trustedProxies: [] }, seen);
  const answer = await rawUpgrade(w, "127.0.0.1", [
    "Connection: Upgrade, X-Secret",
    "X-Secret: do not pass",
    "X-Forwarded-For: 6.6.6.6",
    "Forwarded: for=6.6.6.6",
    "X-Real-IP: 6.6.6.6",
    "Proxy-Authorization: Basic dXNlcjpwdw==",
    "X-Request-Id: forged-1",
  ]);
  assert.equal(statusOf(answer), 101);
  const [headers] = seen;
  assert.ok(headers, "the backend saw the upgrade");
  assert.equal(headers.upgrade, "websocket");
  assert.match(String(headers.connection), /upgrade/i);
  assert.equal(headers["x-forwarded-for"], "127.0.0.1");
  assert.equal(headers.forwarded, "for=127.0.0.1;host=127.0.0.1;proto=http");
  assert.equal(headers["x-forwarded-host"], "127.0.0.1");
  assert.equal(headers.via, "1.1 gw-bue");
  for (const name of ["x-secret", "x-real-ip", "proxy-authorization"]) {
    assert.equal(headers[name], undefined, `${name} forwarded`);
  }
  assert.notEqual(headers["x-request-id"], "forged-1");
});

async function bounded<T>(promise: Promise<T>, what: string, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
