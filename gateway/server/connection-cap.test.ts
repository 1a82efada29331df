// I/O: the data plane's connection cap (limits.maxConnections) against a real gateway: the
// connections over it are closed as they are accepted, counted and logged at a bounded rate,
// and the admin listener (another server) keeps answering.
import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually, startTestWorld } from "../testing/fixtures.ts";
import { captureLog } from "../testing/log-capture.ts";
import { openConversation, waitFor } from "../testing/raw-conversation.ts";
import { parseRawResponse, rawExchange } from "../testing/raw-http.ts";

const REFUSED = "connections refused: limits.maxConnections open";

test("over maxConnections a connection is closed at accept, counted, logged once a period, and the admin API still answers", async (t) => {
  const log = captureLog();
  const w = await startTestWorld({
    sites: [{ id: "bue", backends: 1 }],
    boot: { limits: { maxConnections: 2, keepAliveTimeoutMs: 30_000 } },
    logger: log.logger,
  });
  t.after(() => w.close());
  const { url, adminUrl } = w.gateway("bue");
  // Two kept-alive connections, each answered once: the cap is reached.
  const held = [openConversation(t, url), openConversation(t, url)];
  for (const c of held) {
    c.socket.write("GET / HTTP/1.1\r\nHost: a.example\r\n\r\n");
    await waitFor(() => c.received().includes("\r\n\r\n{"), "an answer on a held connection");
  }
  for (let i = 0; i < 3; i++) {
    const over = openConversation(t, url);
    over.socket.write("GET / HTTP/1.1\r\nHost: a.example\r\n\r\n");
    await over.closed(5_000);
    assert.equal(over.received(), "", "closed without an answer");
  }
  const metrics = await (await fetch(`${adminUrl}/metrics`)).text();
  assert.match(metrics, /^gateway_connections_refused_total 3$/m);
  assert.equal((await fetch(`${adminUrl}/readyz`)).status, 200);
  assert.equal(log.said(REFUSED).length, 1, "one line for the burst, not one per refusal");
  // A held connection is let go: once the server has seen it close, there is room again.
  held[0]?.socket.destroy();
  const served = async () => {
    const text = await rawExchange(
      url,
      "GET / HTTP/1.1\r\nHost: a.example\r\nConnection: close\r\n\r\n",
    );
    return text !== "" && parseRawResponse(text).status === 200;
  };
  await eventually(served, 5_000, "a new connection to be served");
});
