// I/O: request-smuggling shapes, sent over raw sockets to a real gateway (fetch and
// node:http refuse to send them). Node's strict parser must refuse each with 400 before any
// byte reaches a backend: a proxy and a backend that frame a message differently is how a
// second, hidden request gets through (RFC 9112 §6.1, §6.3, §5.1).
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { siteHits, startTestWorld, type TestWorld } from "../testing/fixtures.ts";
import { parseRawResponse, rawExchange } from "../testing/raw-http.ts";

async function world(t: TestContext): Promise<TestWorld> {
  const w = await startTestWorld({ sites: [{ id: "bue", backends: 2 }] });
  t.after(() => w.close());
  return w;
}

const hits = (w: TestWorld) => siteHits(w, "bue");

const exchange = (w: TestWorld, request: string) => rawExchange(w.gateway("bue").url, request);
const parse = parseRawResponse;

/** A request the backend would see if the gateway framed the message the other way. */
const SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: a.example\r\n\r\n";

const cases: readonly (readonly [string, string])[] = [
  [
    "Content-Length and Transfer-Encoding: chunked together",
    `POST / HTTP/1.1\r\nHost: a.example\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`,
  ],
  [
    "Transfer-Encoding folded onto a continuation line (obs-fold)",
    `POST / HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding:\r\n chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n${SMUGGLED}`,
  ],
  [
    "an obs-folded continuation of an ordinary header",
    "GET / HTTP/1.1\r\nHost: a.example\r\nX-Note: one\r\n two\r\n\r\n",
  ],
  [
    "two different Content-Length headers",
    `POST / HTTP/1.1\r\nHost: a.example\r\nContent-Length: 5\r\nContent-Length: 50\r\n\r\nhello${SMUGGLED}`,
  ],
  [
    "one Content-Length header listing two different values",
    `POST / HTTP/1.1\r\nHost: a.example\r\nContent-Length: 5, 50\r\n\r\nhello${SMUGGLED}`,
  ],
  [
    "a bare CR inside a header value",
    "GET / HTTP/1.1\r\nHost: a.example\r\nX-Note: one\rtwo\r\n\r\n",
  ],
  [
    "a header line ended by a bare CR",
    `GET / HTTP/1.1\r\nHost: a.example\r\nX-Note: one\rTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`,
  ],
  [
    "Transfer-Encoding: xchunked",
    `POST / HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n${SMUGGLED}`,
  ],
  [
    "Transfer-Encoding: chunked, identity (chunked not last)",
    `POST / HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n${SMUGGLED}`,
  ],
  [
    "a header name with a space before the colon",
    `POST / HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n${SMUGGLED}`,
  ],
];

for (const [name, request] of cases) {
  test(`${name} is refused with 400 and reaches no backend`, async (t) => {
    const w = await world(t);
    const answer = parse(await exchange(w, request));
    assert.equal(answer.status, 400);
    assert.equal(answer.headers.get("content-type"), "application/problem+json");
    assert.equal(JSON.parse(answer.body).code, "bad_request");
    assert.equal(hits(w), 0);
  });
}

test("a valid request on a fresh connection is served after the refused ones", async (t) => {
  const w = await world(t);
  for (const [, request] of cases) assert.equal(parse(await exchange(w, request)).status, 400);
  const answer = parse(
    await exchange(w, "GET /after HTTP/1.1\r\nHost: a.example\r\nConnection: close\r\n\r\n"),
  );
  assert.equal(answer.status, 200);
  assert.equal(JSON.parse(answer.body).path, "/after");
  assert.equal(hits(w), 1);
});

test("a chunked body followed by a second request on the same connection is two requests, framed once", async (t) => {
  const w = await world(t);
  const seen: string[] = [];
  for (const backend of w.backends.get("bue") ?? []) {
    backend.behave((req, res) => {
      req.resume();
      req.on("end", () => {
        seen.push(`${req.method} ${req.url}`);
        res.end("ok");
      });
    });
  }
  const answer = await exchange(
    w,
    "POST /first HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" +
      "GET /second HTTP/1.1\r\nHost: a.example\r\nConnection: close\r\n\r\n",
  );
  assert.equal(answer.match(/HTTP\/1\.1 200 /g)?.length, 2);
  assert.deepEqual(seen, ["POST /first", "GET /second"]);
});
