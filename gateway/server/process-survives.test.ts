// A real `gateway serve` process: what a client can do to a connection must never end it.
// Connections reset right after their request head used to throw on the upgrade path (the
// socket's peer address is gone by then), an uncaught exception that killed the process.
import assert from "node:assert/strict";
import { connect } from "node:net";
import { test } from "node:test";
import { startBackend } from "../testing/fixtures.ts";
import { serveGateway } from "../testing/serve-process.ts";

/** Writes `request` and resets the connection at once (RST, not FIN). */
function sendAndReset(url: string, request: string): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(request);
      socket.resetAndDestroy();
      resolve();
    });
    socket.on("error", () => resolve());
  });
}

const UPGRADE =
  "GET /chat HTTP/1.1\r\nHost: a.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
const PLAIN = "GET / HTTP/1.1\r\nHost: a.example\r\n\r\n";
const HALF_BODY = "POST / HTTP/1.1\r\nHost: a.example\r\nContent-Length: 100\r\n\r\nhalf";
const H2C =
  "GET / HTTP/1.1\r\nHost: a.example\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n";

test("upgrades and requests reset right after their head leave the gateway process serving", async (t) => {
  const backend = await startBackend("here-1");
  t.after(() => backend.kill());
  const served = serveGateway(t, backend.address);
  const { url } = await served.urls();
  for (let round = 0; round < 20; round++)
    for (const request of [UPGRADE, PLAIN, HALF_BODY, H2C]) await sendAndReset(url, request);
  const answer = await fetch(`${url}/after`, { signal: AbortSignal.timeout(5_000) });
  assert.equal(answer.status, 200);
  assert.equal(((await answer.json()) as { path: string }).path, "/after");
  assert.equal(served.child.exitCode, null, served.output());
  assert.doesNotMatch(served.output(), /Uncaught|TypeError/);
});
