// Who may use the admin API. Pure: the guard's rules as a table over request heads. I/O: the
// same rules through a real gateway's admin listener, spoken to over raw sockets so that Host,
// Origin and Sec-Fetch-Site are what a browser or an attacker would send.
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { type TestContext, test } from "node:test";
import { startTestWorld, TEST_ADMIN_TOKEN, type TestWorld } from "../testing/fixtures.ts";
import { parseRawResponse, rawExchange } from "../testing/raw-http.ts";
import { guardAdmin } from "./admin-guard.ts";

const TOKEN = "a-token-of-sixteen-chars";
const SETTINGS = { token: TOKEN, hostNames: ["gw-bue.ops.example"] };

interface Head {
  method?: string;
  peer?: string;
  headers?: Record<string, string>;
}

const head = ({ method = "GET", peer = "127.0.0.1", headers = {} }: Head) =>
  ({
    method,
    headers: { host: "127.0.0.1:9090", ...headers },
    socket: { remoteAddress: peer },
  }) as unknown as IncomingMessage;

const bearer = { authorization: `Bearer ${TOKEN}` };

const cases: readonly [string, Head, "ok" | "unauthorized" | "forbidden", typeof SETTINGS?][] = [
  ["a read from loopback needs no token", {}, "ok"],
  [
    "a read from loopback by localhost name needs no token",
    { headers: { host: "localhost:9090" } },
    "ok",
  ],
  ["a read by a *.localhost name passes", { headers: { host: "admin.localhost" } }, "ok"],
  ["a read by [::1] passes", { headers: { host: "[::1]:9090" } }, "ok"],
  [
    "a read by a configured host name passes",
    { headers: { host: "GW-BUE.ops.example.:9090" } },
    "ok",
  ],
  [
    "a read by another DNS name (rebinding) is forbidden",
    { headers: { host: "evil.example:9090" } },
    "forbidden",
  ],
  ["a request without Host is forbidden", { headers: { host: "" } }, "forbidden"],
  ["a change from loopback without a token is unauthorized", { method: "POST" }, "unauthorized"],
  ["a change with the token passes", { method: "POST", headers: bearer }, "ok"],
  [
    "a change with a wrong token is unauthorized",
    { method: "POST", headers: { authorization: "Bearer a-token-of-sixteen-chaRS" } },
    "unauthorized",
  ],
  [
    "a change with the token but no Bearer scheme is unauthorized",
    { method: "POST", headers: { authorization: TOKEN } },
    "unauthorized",
  ],
  ["a DELETE counts as a change", { method: "DELETE" }, "unauthorized"],
  [
    "a change when no token is configured is unauthorized",
    { method: "POST", headers: bearer },
    "unauthorized",
    { token: undefined as unknown as string, hostNames: [] },
  ],
  ["a read off loopback without a token is unauthorized", { peer: "192.0.2.7" }, "unauthorized"],
  ["a read off loopback with the token passes", { peer: "192.0.2.7", headers: bearer }, "ok"],
  [
    "a request a browser marks cross-site is forbidden, token or not",
    { method: "POST", headers: { ...bearer, "sec-fetch-site": "cross-site" } },
    "forbidden",
  ],
  [
    "a request a browser marks same-site (another port) is forbidden",
    { headers: { "sec-fetch-site": "same-site" } },
    "forbidden",
  ],
  [
    "a request a browser marks same-origin passes",
    { headers: { "sec-fetch-site": "same-origin" } },
    "ok",
  ],
  [
    "an Origin other than the admin's own is forbidden",
    { headers: { origin: "http://evil.example" } },
    "forbidden",
  ],
  ["an Origin of null is forbidden", { headers: { origin: "null" } }, "forbidden"],
  ["the admin's own Origin passes", { headers: { origin: "http://127.0.0.1:9090" } }, "ok"],
];

for (const [name, request, expected, settings] of cases) {
  test(name, () => {
    const verdict = guardAdmin(head(request), settings ?? SETTINGS);
    assert.equal(verdict.ok ? "ok" : verdict.code, expected);
  });
}

async function world(t: TestContext): Promise<TestWorld> {
  const w = await startTestWorld({ sites: [{ id: "bue", tier: "hub" }], ingresses: ["bue"] });
  t.after(() => w.close());
  return w;
}

/** One raw request to the admin listener; `lines` are extra head lines. */
async function admin(w: TestWorld, method: string, path: string, ...lines: string[]) {
  const { host } = new URL(w.gateway("bue").adminUrl);
  const request = [`${method} ${path} HTTP/1.1`, ...lines, "Connection: close", "", ""];
  if (!lines.some((l) => /^host:/i.test(l))) request.splice(1, 0, `Host: ${host}`);
  return parseRawResponse(await rawExchange(w.gateway("bue").adminUrl, request.join("\r\n")));
}

const state = (w: TestWorld) => w.gateway("bue").state.snapshot.sites[0]?.state;

test("an override from loopback without the token is refused 401 and changes nothing", async (t) => {
  const w = await world(t);
  const answer = await admin(w, "POST", "/sites/bue/compromise");
  assert.equal(answer.status, 401);
  assert.equal(JSON.parse(answer.body).code, "unauthorized");
  assert.equal(state(w), "healthy");
  const allowed = await admin(
    w,
    "POST",
    "/sites/bue/compromise",
    `Authorization: Bearer ${TEST_ADMIN_TOKEN}`,
  );
  assert.equal(allowed.status, 200);
  assert.equal(state(w), "compromised");
});

test("a gateway without a token refuses every override, with the reason", async (t) => {
  const w = await startTestWorld({ sites: [{ id: "bue", tier: "hub" }], adminToken: null });
  t.after(() => w.close());
  const answer = await admin(
    w,
    "POST",
    "/sites/bue/drain",
    "Authorization: Bearer anything-at-all",
  );
  assert.equal(answer.status, 401);
  assert.match(JSON.parse(answer.body).detail, /no admin token/);
  assert.equal(state(w), "healthy");
});

test("a browser form posting from another origin (CSRF) is refused 403 even with the token", async (t) => {
  const w = await world(t);
  const answer = await admin(
    w,
    "POST",
    "/sites/bue/compromise",
    "Origin: http://evil.example",
    "Sec-Fetch-Site: cross-site",
    `Authorization: Bearer ${TEST_ADMIN_TOKEN}`,
  );
  assert.equal(answer.status, 403);
  assert.equal(JSON.parse(answer.body).code, "forbidden");
  assert.equal(state(w), "healthy");
});

test("a read through a rebound DNS name (Host evil.example) is refused 403; by IP it is served", async (t) => {
  const w = await world(t);
  const rebound = await admin(w, "GET", "/sites", "Host: evil.example:9090");
  assert.equal(rebound.status, 403);
  assert.doesNotMatch(rebound.body, /"sites"/);
  assert.equal((await admin(w, "GET", "/sites")).status, 200);
  assert.equal(
    (await admin(w, "GET", "/readyz")).status,
    200,
    "the announcer's read needs no token",
  );
});
