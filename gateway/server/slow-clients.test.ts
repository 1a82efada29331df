// I/O: clients that send slowly or keep sending after the gateway answered, over raw sockets
// to a real gateway and backend on port 0. Deadlines are configured short; every wait is on
// a socket event or a log line, with a generous bound.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { type BackendBehaviour, startTestWorld, type TestWorld } from "../testing/fixtures.ts";
import { type CapturedLog, captureLog } from "../testing/log-capture.ts";
import { keepWriting, openConversation, waitFor } from "../testing/raw-conversation.ts";
import { parseRawResponse } from "../testing/raw-http.ts";

interface Rig {
  readonly w: TestWorld;
  readonly log: CapturedLog;
}

async function rig(
  t: TestContext,
  limits: Record<string, number>,
  behaviour?: BackendBehaviour,
): Promise<Rig> {
  const log = captureLog();
  const w = await startTestWorld({
    sites: [{ id: "bue", backends: 1 }],
    boot: { limits, log: { level: "info", requests: true } },
    logger: log.logger,
    ...(behaviour && { behaviour }),
  });
  t.after(() => w.close());
  return { w, log };
}

const open = (t: TestContext, { w }: Rig) => openConversation(t, w.gateway("bue").url);
const answered = (text: string) => /\r\n\r\n\{.*\}$/s.test(text);

/** The problem answered, its request id in header and body alike, and the access-log line. */
async function problemAndLog(r: Rig, text: string, status: number, code: string) {
  const answer = parseRawResponse(text);
  assert.equal(answer.status, status);
  const problem = JSON.parse(answer.body);
  assert.equal(problem.code, code);
  const id = answer.headers.get("x-request-id");
  assert.equal(problem.requestId, id);
  await waitFor(() => r.log.said("request").some((l) => l.reqId === id), "the access-log line");
  const line = r.log.said("request").find((l) => l.reqId === id);
  assert.deepEqual([line?.status, line?.code], [status, code], "logged as answered, same id");
  assert.equal(r.log.said("request").length, 1, "one line, under the id the client got");
}

for (const [kind, head] of [
  ["buffered (Content-Length)", "Content-Length: 1000"],
  ["streamed (chunked)", "Transfer-Encoding: chunked"],
] as const) {
  test(`a ${kind} body trickled below minBodyBytesPerSecond is answered 408 and logged 408 under the client's request id`, async (t) => {
    const r = await rig(t, { minBodyBytesPerSecond: 1_000, bodyRateGraceMs: 400 });
    const c = open(t, r);
    c.socket.write(`POST / HTTP/1.1\r\nHost: a.example\r\n${head}\r\n\r\n`);
    const chunked = head.startsWith("Transfer");
    keepWriting(c.socket, 50, () => (chunked ? "1\r\nx\r\n" : "x")); // 20 bytes/s
    await waitFor(() => answered(c.received()), "the 408");
    await problemAndLog(r, c.received(), 408, "request_timeout");
    await c.closed(5_000);
  });
}

test("a body that stops coming is answered 408 after bodyIdleTimeoutMs", async (t) => {
  const r = await rig(t, { bodyIdleTimeoutMs: 300, minBodyBytesPerSecond: 0 });
  const c = open(t, r);
  c.socket.write("POST / HTTP/1.1\r\nHost: a.example\r\nContent-Length: 100\r\n\r\n");
  c.socket.write("x".repeat(50));
  await waitFor(() => answered(c.received()), "the 408");
  await problemAndLog(r, c.received(), 408, "request_timeout");
  assert.match(JSON.parse(parseRawResponse(c.received()).body).detail, /no request body byte/);
});

test("a body sent steadily above the minimum rate is forwarded whole", async (t) => {
  const r = await rig(t, { minBodyBytesPerSecond: 1_000, bodyRateGraceMs: 200 });
  const c = open(t, r);
  c.socket.write(
    "POST / HTTP/1.1\r\nHost: a.example\r\nContent-Length: 4000\r\nConnection: close\r\n\r\n",
  );
  const stop = keepWriting(c.socket, 25, () => "y".repeat(100)); // 4000 bytes/s, for 1 s
  await waitFor(() => c.received().includes("\r\n\r\n"), "the answer");
  stop();
  await c.closed(5_000);
  const answer = parseRawResponse(c.received());
  assert.equal(answer.status, 200);
  assert.equal(JSON.parse(answer.body).body.length, 4000);
});

test("time the backend takes before reading a body is not counted against the client", async (t) => {
  const slowReader: BackendBehaviour = (req, res) => {
    req.pause();
    setTimeout(() => {
      let size = 0;
      req.on("data", (chunk: Buffer) => {
        size += chunk.length;
      });
      req.on("end", () => res.end(String(size)));
      req.resume();
    }, 1_500);
  };
  const r = await rig(t, { bodyIdleTimeoutMs: 300, minBodyBytesPerSecond: 0 }, slowReader);
  const c = open(t, r);
  const size = 4 * 1024 * 1024;
  c.socket.write(
    `POST / HTTP/1.1\r\nHost: a.example\r\nContent-Length: ${size}\r\nConnection: close\r\n\r\n`,
  );
  c.socket.write(Buffer.alloc(size, 1));
  await c.closed(10_000);
  const answer = parseRawResponse(c.received());
  assert.equal(answer.status, 200, answer.body);
  assert.equal(answer.body, String(size));
});

test("an early 413 reaches a client still sending its body: the gateway lingers instead of resetting", async (t) => {
  const r = await rig(t, { maxBodyBytes: 1_000, lingeringTimeMs: 5_000 });
  const c = open(t, r);
  c.socket.pause(); // read nothing yet: the answer must wait in the socket, not be reset away
  c.socket.write("POST / HTTP/1.1\r\nHost: a.example\r\nContent-Length: 50000000\r\n\r\n");
  const stop = keepWriting(c.socket, 5, () => "z".repeat(16 * 1024));
  await new Promise((resolve) => setTimeout(resolve, 300)); // keep sending after the answer
  stop();
  c.socket.resume();
  await waitFor(() => answered(c.received()) || c.failure() !== undefined, "the 413 or a failure");
  assert.equal(c.failure(), undefined, "the connection failed before the client read the answer");
  assert.equal(parseRawResponse(c.received()).status, 413);
  c.socket.end();
  await c.closed(5_000);
});

// The same lingering for answers the parser gives on the raw socket: a head over the limit
// (431) and a malformed request line (400), with the client still sending after them.
const PARSER_REFUSALS = [
  {
    status: 431,
    head: `GET / HTTP/1.1\r\nHost: a.example\r\nX-Big: ${"b".repeat(20_000)}`,
  },
  { status: 400, head: "GET / HTTP/1.1 garbage\r\nHost: a.example\r\n" },
];
for (const { status, head } of PARSER_REFUSALS)
  test(`a ${status} from the parser reaches a client still sending: the gateway lingers instead of resetting`, async (t) => {
    const r = await rig(t, { maxHeaderBytes: 16_384, lingeringTimeMs: 5_000 });
    const c = open(t, r);
    c.socket.pause();
    c.socket.write(head);
    const stop = keepWriting(c.socket, 5, () => `X-More: ${"m".repeat(16 * 1024)}\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    stop();
    c.socket.resume();
    await waitFor(() => answered(c.received()) || c.failure() !== undefined, `the ${status}`);
    assert.equal(c.failure(), undefined, "the connection failed before the client read the answer");
    assert.equal(parseRawResponse(c.received()).status, status);
    c.socket.end();
    await c.closed(5_000);
  });

test("Expect: 100-continue with a declared length over the cap is answered 413 before any 100", async (t) => {
  const r = await rig(t, { maxBodyBytes: 1_000 });
  const c = open(t, r);
  c.socket.write(
    "POST / HTTP/1.1\r\nHost: a.example\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n",
  );
  await waitFor(() => answered(c.received()), "the 413");
  assert.doesNotMatch(c.received(), /100 Continue/);
  assert.equal(parseRawResponse(c.received()).status, 413);
});

test("Expect: 100-continue under the cap gets its 100, then the body is forwarded", async (t) => {
  const r = await rig(t, { maxBodyBytes: 1_000 });
  const c = open(t, r);
  c.socket.write(
    "POST / HTTP/1.1\r\nHost: a.example\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
  );
  await waitFor(() => c.received().startsWith("HTTP/1.1 100 Continue\r\n\r\n"), "the 100");
  c.socket.write("hello");
  await c.closed(5_000);
  const final = parseRawResponse(c.received().slice("HTTP/1.1 100 Continue\r\n\r\n".length));
  assert.equal(final.status, 200);
  assert.equal(JSON.parse(final.body).body, "hello");
});
