// I/O: the data-plane server's limits, against a real gateway and backend on port 0, spoken
// to over raw sockets (fetch cannot trickle a head or stop half-way through a body). Every
// deadline here is configured short; waits are on socket events with generous bounds.
import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import { type TestContext, test } from "node:test";
import {
  type BackendBehaviour,
  siteHits,
  startTestWorld,
  type TestWorld,
} from "../testing/fixtures.ts";
import { keepWriting, openConversation, waitFor } from "../testing/raw-conversation.ts";
import { parseRawResponse, type RawResponse } from "../testing/raw-http.ts";

async function world(
  t: TestContext,
  limits: Record<string, number>,
  behaviour?: BackendBehaviour,
): Promise<TestWorld> {
  const w = await startTestWorld({
    sites: [{ id: "bue", backends: 1 }],
    boot: { limits },
    ...(behaviour && { behaviour }),
  });
  t.after(() => w.close());
  return w;
}

const hits = (w: TestWorld) => siteHits(w, "bue");

const open = (t: TestContext, w: TestWorld) => openConversation(t, w.gateway("bue").url);

const parse = parseRawResponse;

function assertProblem(head: RawResponse, status: number, code: string): void {
  assert.equal(head.status, status);
  assert.equal(head.headers.get("content-type"), "application/problem+json");
  assert.equal(JSON.parse(head.body).code, code);
}

test("a request head over maxHeaderBytes is answered 431 headers_too_large", async (t) => {
  const w = await world(t, { maxHeaderBytes: 16_384 });
  const c = open(t, w);
  c.socket.write(`GET / HTTP/1.1\r\nHost: a.example\r\nX-Big: ${"x".repeat(20_480)}\r\n\r\n`);
  await c.closed(5_000);
  assertProblem(parse(c.received()), 431, "headers_too_large");
  assert.equal(hits(w), 0);
});

test("a head trickled byte by byte is answered 408 and closed soon after headersTimeoutMs", async (t) => {
  const w = await world(t, { headersTimeoutMs: 500 });
  const c = open(t, w);
  const head = `GET / HTTP/1.1\r\nHost: a.example\r\nX-Slow: ${"y".repeat(10_000)}`;
  keepWriting(c.socket, 50, (i) => head[i] ?? "y");
  // Node's default check interval (30 s) would let this run for up to 30.5 s.
  const elapsed = await c.closed(5_000);
  assert.ok(elapsed >= 400, `closed after ${elapsed} ms, before the deadline`);
  assertProblem(parse(c.received()), 408, "request_timeout");
  assert.equal(hits(w), 0);
});

test("a Content-Length over maxBodyBytes is answered 413 body_too_large without reaching the backend", async (t) => {
  const w = await world(t, { maxBodyBytes: 1_000 });
  const c = open(t, w);
  c.socket.write("POST / HTTP/1.1\r\nHost: a.example\r\nContent-Length: 5000\r\n\r\n");
  c.socket.write("x".repeat(100));
  await waitFor(() => c.received().includes("\r\n\r\n{"), "the 413");
  const head = parse(c.received());
  assertProblem(head, 413, "body_too_large");
  assert.ok(head.headers.has("x-request-id"));
  assert.equal(hits(w), 0);
});

test("a chunked body growing past maxBodyBytes is answered 413 body_too_large", async (t) => {
  const w = await world(t, { maxBodyBytes: 1_000 });
  const c = open(t, w);
  c.socket.write("POST / HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked\r\n\r\n");
  const stop = keepWriting(c.socket, 10, () => `100\r\n${"x".repeat(256)}\r\n`);
  await waitFor(() => c.received().includes("\r\n\r\n{"), "the 413");
  stop();
  assertProblem(parse(c.received()), 413, "body_too_large");
  // The head went upstream before the body grew too large: the backend saw the request start.
  assert.equal(hits(w), 1);
});

for (const [kind, head, write] of [
  ["Content-Length", "Content-Length: 100000", () => "x".repeat(256)],
  ["chunked", "Transfer-Encoding: chunked", () => `100\r\n${"x".repeat(256)}\r\n`],
] as const) {
  test(`after a 413 for a ${kind} body the gateway closes the connection instead of reading the rest`, async (t) => {
    const w = await world(t, { maxBodyBytes: 1_000, keepAliveTimeoutMs: 10_000 });
    const c = open(t, w);
    c.socket.write(`POST / HTTP/1.1\r\nHost: a.example\r\n${head}\r\n\r\n`);
    const stop = keepWriting(c.socket, 10, write);
    await waitFor(() => c.received().includes("\r\n\r\n{"), "the 413");
    stop();
    const answer = parse(c.received());
    assertProblem(answer, 413, "body_too_large");
    assert.equal(answer.headers.get("connection")?.toLowerCase(), "close");
    await c.closed(2_000); // keep-alive (10 s) cannot be what closes it
  });
}

test("a chunked body growing past the cap after the response head went out cuts the connection", async (t) => {
  const streamsAtOnce: BackendBehaviour = (req, res) => {
    res.writeHead(200, { "content-type": "text/plain" });
    res.write("started\n");
    req.resume();
    req.on("end", () => res.end("done\n"));
  };
  const w = await world(t, { maxBodyBytes: 1_000, keepAliveTimeoutMs: 10_000 }, streamsAtOnce);
  const c = open(t, w);
  c.socket.write("POST / HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked\r\n\r\n");
  keepWriting(c.socket, 10, () => `64\r\n${"x".repeat(100)}\r\n`);
  await c.closed(5_000);
  const answer = parse(c.received());
  assert.equal(answer.status, 200);
  assert.match(answer.body, /started/);
  assert.doesNotMatch(answer.body, /done/);
  assert.ok(!answer.body.endsWith("0\r\n\r\n"), "the chunked response must not look complete");
});

test("two requests on one keep-alive connection are both answered", async (t) => {
  const w = await world(t, { keepAliveTimeoutMs: 5_000 });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  const first = await get(w.gateway("bue").url, agent);
  const second = await get(w.gateway("bue").url, agent);
  assert.deepEqual([first.status, second.status], [200, 200]);
  assert.equal(second.reused, true);
  assert.equal(second.localPort, first.localPort);
  assert.equal(hits(w), 2);
});

test("an idle keep-alive connection is closed after keepAliveTimeoutMs", async (t) => {
  const w = await world(t, { keepAliveTimeoutMs: 300 });
  const c = open(t, w);
  c.socket.write("GET / HTTP/1.1\r\nHost: a.example\r\n\r\n");
  await waitFor(() => c.received().includes("\r\n\r\n"), "the response");
  const answered = Date.now();
  await c.closed(5_000);
  const idle = Date.now() - answered;
  assert.equal(parse(c.received()).status, 200);
  // Node adds keepAliveTimeoutBuffer (1 s by default) to the socket's own timeout.
  assert.ok(idle >= 250 && idle < 3_000, `closed after ${idle} ms idle`);
});

function get(
  url: string,
  agent: Agent,
): Promise<{ status: number; reused: boolean; localPort: number | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { host: "a.example" } }, (res) => {
      const localPort = res.socket.localPort;
      res.resume();
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket, localPort }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}
