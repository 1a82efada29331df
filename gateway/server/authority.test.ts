// I/O: which authority a request may name, against a real gateway over raw sockets (fetch
// drops Host and cannot send absolute-form or CONNECT). The gateway serves one host,
// known.example; it must never act as an open proxy, and every refusal it writes itself is
// an RFC 9457 problem carrying the request id.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { siteHits, startTestWorld, type TestWorld } from "../testing/fixtures.ts";
import { parseRawResponse, type RawResponse, rawExchange } from "../testing/raw-http.ts";

const KNOWN = "known.example";

async function world(t: TestContext, boot: Record<string, unknown> = {}): Promise<TestWorld> {
  const w = await startTestWorld({
    sites: [{ id: "bue", backends: 2 }],
    policy: { services: [{ name: "web", hosts: [KNOWN] }] },
    boot,
  });
  t.after(() => w.close());
  return w;
}

const hits = (w: TestWorld) => siteHits(w, "bue");

/** Sends `head` (lines without the final blank line) on a fresh connection; parses the answer. */
async function exchange(w: TestWorld, ...head: string[]): Promise<RawResponse> {
  const request = `${[...head, "Connection: close"].join("\r\n")}\r\n\r\n`;
  return parseRawResponse(await rawExchange(w.gateway("bue").url, request));
}

/** A problem the gateway wrote: status, content type, code, and the request id both ways. */
function assertProblem(answer: RawResponse, status: number, code: string): void {
  assert.equal(answer.status, status);
  assert.equal(answer.headers.get("content-type"), "application/problem+json");
  const problem = JSON.parse(answer.body);
  assert.equal(problem.code, code);
  assert.equal(problem.status, status);
  const id = answer.headers.get("x-request-id");
  assert.ok(id, "x-request-id header");
  assert.equal(problem.requestId, id);
}

test("a request for an unknown Host is answered 421 unknown_host", async (t) => {
  const w = await world(t);
  assertProblem(await exchange(w, "GET / HTTP/1.1", "Host: other.example"), 421, "unknown_host");
  assert.equal(hits(w), 0);
});

test("with unknownHostStatus 404 an unknown Host is answered 404 unknown_host", async (t) => {
  const w = await world(t, { unknownHostStatus: 404 });
  assertProblem(await exchange(w, "GET / HTTP/1.1", "Host: other.example"), 404, "unknown_host");
  assert.equal(hits(w), 0);
});

test("a known Host is served, with any port or case", async (t) => {
  const w = await world(t);
  for (const host of [KNOWN, `${KNOWN}:8080`, "KNOWN.Example"]) {
    const answer = await exchange(w, "GET /p HTTP/1.1", `Host: ${host}`);
    assert.equal(answer.status, 200, host);
  }
});

// The router matches `known.example.` as `known.example` (service-router normalizeHost).
test("a fully qualified Host with a trailing dot is served as the same host", async (t) => {
  const w = await world(t);
  for (const host of [`${KNOWN}.`, `${KNOWN}.:8080`]) {
    const answer = await exchange(w, "GET /p HTTP/1.1", `Host: ${host}`);
    assert.equal(answer.status, 200, host);
  }
});

test("an absolute-form target naming another host is refused as open_proxy_refused", async (t) => {
  const w = await world(t);
  for (const target of [
    "http://evil.example/",
    "https://evil.example/x",
    `http://${KNOWN}:8080/`,
    `http://user:pw@${KNOWN}/`,
  ]) {
    const answer = await exchange(w, `GET ${target} HTTP/1.1`, `Host: ${KNOWN}`);
    assertProblem(answer, 400, "open_proxy_refused");
  }
  assert.equal(hits(w), 0);
});

test("an absolute-form target naming the Host itself is served with its path and query", async (t) => {
  const w = await world(t);
  const answer = await exchange(w, `GET http://${KNOWN}/p?q=1 HTTP/1.1`, `Host: ${KNOWN}`);
  assert.equal(answer.status, 200);
  const seen = JSON.parse(answer.body);
  assert.equal(seen.path, "/p?q=1");
  assert.equal(seen.headers.host, KNOWN);
});

test("CONNECT is refused with a problem and never tunnels", async (t) => {
  const w = await world(t);
  const answer = await exchange(w, `CONNECT ${KNOWN}:443 HTTP/1.1`, `Host: ${KNOWN}:443`);
  assertProblem(answer, 400, "open_proxy_refused");
  assert.equal(hits(w), 0);
});

test("an asterisk-form target is refused with 400 bad_request", async (t) => {
  const w = await world(t);
  assertProblem(await exchange(w, "OPTIONS * HTTP/1.1", `Host: ${KNOWN}`), 400, "bad_request");
  assert.equal(hits(w), 0);
});

test("a request without Host is refused with 400 bad_request", async (t) => {
  const w = await world(t);
  assertProblem(await exchange(w, "GET / HTTP/1.1"), 400, "bad_request");
  assert.equal(hits(w), 0);
});

for (const host of ["a b", "x/y", "known.example@evil.example", ""]) {
  test(`a malformed Host ${JSON.stringify(host)} is refused with 400 bad_request`, async (t) => {
    const w = await world(t);
    assertProblem(await exchange(w, "GET / HTTP/1.1", `Host: ${host}`), 400, "bad_request");
    assert.equal(hits(w), 0);
  });
}

test("two Host headers are refused 400 (RFC 9112 §3.2), whichever comes first", async (t) => {
  const w = await world(t);
  for (const [first, second] of [
    [KNOWN, "evil.example"],
    ["evil.example", KNOWN],
    [KNOWN, KNOWN],
  ]) {
    const answer = await exchange(w, "GET / HTTP/1.1", `Host: ${first}`, `Host: ${second}`);
    assertProblem(answer, 400, "bad_request");
  }
  assert.equal(hits(w), 0);
});

for (const port of ["0", "65536", "99999", "00000"]) {
  test(`a Host port of ${port} (outside 1–65535) is refused 400 and not forwarded`, async (t) => {
    const w = await world(t);
    assertProblem(
      await exchange(w, "GET / HTTP/1.1", `Host: ${KNOWN}:${port}`),
      400,
      "bad_request",
    );
    assert.equal(hits(w), 0);
  });
}

test("an absolute-form target with the scheme's default port names the same authority as Host", async (t) => {
  const w = await world(t);
  for (const [target, host] of [
    [`https://${KNOWN}:443/p`, `${KNOWN}:443`],
    [`https://${KNOWN}:443/p`, KNOWN],
    [`https://${KNOWN}/p`, `${KNOWN}:443`],
    [`http://${KNOWN}/p`, `${KNOWN}:80`],
    [`http://${KNOWN}:80/p`, KNOWN],
  ]) {
    const answer = await exchange(w, `GET ${target} HTTP/1.1`, `Host: ${host}`);
    assert.equal(answer.status, 200, `${target} with Host ${host}`);
    assert.equal(JSON.parse(answer.body).path, "/p");
  }
});

test("an absolute-form target whose port is not the Host's, default or not, is still refused", async (t) => {
  const w = await world(t);
  for (const [target, host] of [
    [`https://${KNOWN}/p`, `${KNOWN}:80`],
    [`http://${KNOWN}:443/p`, KNOWN],
    [`http://${KNOWN}:8080/p`, `${KNOWN}:80`],
  ]) {
    assertProblem(
      await exchange(w, `GET ${target} HTTP/1.1`, `Host: ${host}`),
      400,
      "open_proxy_refused",
    );
  }
  assert.equal(hits(w), 0);
});
