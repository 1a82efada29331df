// I/O: what a client writes must not route around policy. A real gateway over raw sockets:
// service `private` (path /private/) is drained at `near`, so only the hub serves it; the
// catch-all `web` is served at `near`. A path written to dodge the /private/ prefix must still
// be routed as `private`, and the backend must get the path that was routed.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { siteHits, startTestWorld, type TestWorld } from "../testing/fixtures.ts";
import { parseRawResponse, type RawResponse, rawExchange } from "../testing/raw-http.ts";

async function world(t: TestContext, boot: Record<string, unknown> = {}): Promise<TestWorld> {
  const w = await startTestWorld({
    sites: [
      { id: "near", longitude: 0, backends: 1 },
      { id: "hub", tier: "hub", longitude: 10, backends: 1 },
    ],
    policy: {
      services: [
        { name: "web", hosts: ["*"] },
        { name: "private", hosts: ["*"], pathPrefix: "/private/", drain: ["near"] },
      ],
    },
    ingresses: ["near"],
    boot,
  });
  t.after(() => w.close());
  return w;
}

async function get(w: TestWorld, target: string, method = "GET"): Promise<RawResponse> {
  const request = `${method} ${target} HTTP/1.1\r\nHost: a.example\r\nConnection: close\r\n\r\n`;
  return parseRawResponse(await rawExchange(w.gateway("near").url, request));
}

test("the plain paths route as expected: /private/ at the hub, the rest at near", async (t) => {
  const w = await world(t);
  assert.equal((await get(w, "/private/secret")).headers.get("x-gateway-site"), "hub");
  assert.equal((await get(w, "/public")).headers.get("x-gateway-site"), "near");
});

for (const target of [
  "/x/../private/secret",
  "/%70rivate/secret",
  "//private/secret",
  "/./private/secret",
  "/public/%2e%2E/private/./secret",
]) {
  test(`${target} is routed as /private/secret and forwarded so`, async (t) => {
    const w = await world(t);
    const answer = await get(w, target);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get("x-gateway-site"), "hub", "routed as the private service");
    assert.equal(
      JSON.parse(answer.body).path,
      "/private/secret",
      "the backend got the routed path",
    );
  });
}

test("the query goes upstream untouched after the path is made canonical", async (t) => {
  const w = await world(t);
  const answer = await get(w, "/a/../private/x?next=/../%70&y=1");
  assert.equal(JSON.parse(answer.body).path, "/private/x?next=/../%70&y=1");
});

test("an absolute-form target is made canonical too", async (t) => {
  const w = await world(t);
  const answer = await get(w, "http://a.example/x/../private/secret");
  assert.equal(answer.headers.get("x-gateway-site"), "hub");
  assert.equal(JSON.parse(answer.body).path, "/private/secret");
});

for (const target of [
  "/private%2Fsecret",
  "/x%5c..%5cprivate",
  "/x\\..\\private",
  "/a%00b",
  "/a%zz",
]) {
  test(`${JSON.stringify(target)} is refused 400 bad_path and reaches no backend`, async (t) => {
    const w = await world(t);
    const answer = await get(w, target);
    assert.equal(answer.status, 400);
    assert.equal(JSON.parse(answer.body).code, "bad_path");
    assert.equal(siteHits(w, "near") + siteHits(w, "hub"), 0);
  });
}

test("with paths.escapedSlashes: keep, an encoded slash is forwarded as sent", async (t) => {
  const w = await world(t, { paths: { escapedSlashes: "keep" } });
  const answer = await get(w, "/private/a%2Fb");
  assert.equal(answer.status, 200);
  assert.equal(JSON.parse(answer.body).path, "/private/a%2Fb");
});

test("with paths.normalize off the raw path is routed and forwarded (the opt-out works)", async (t) => {
  const w = await world(t, { paths: { normalize: false, mergeSlashes: false } });
  const answer = await get(w, "/x/../private/secret");
  assert.equal(answer.headers.get("x-gateway-site"), "near");
  assert.equal(JSON.parse(answer.body).path, "/x/../private/secret");
});

test("TRACE is refused 405 method_not_allowed and reaches no backend", async (t) => {
  const w = await world(t);
  const answer = await get(w, "/public", "TRACE");
  assert.equal(answer.status, 405);
  assert.equal(JSON.parse(answer.body).code, "method_not_allowed");
  assert.equal(siteHits(w, "near") + siteHits(w, "hub"), 0);
});

test("TRACE is forwarded when allowTrace is set", async (t) => {
  const w = await world(t, { allowTrace: true });
  const answer = await get(w, "/public", "TRACE");
  assert.equal(answer.status, 200);
  assert.equal(JSON.parse(answer.body).method, "TRACE");
});
