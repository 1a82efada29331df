import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { test } from "node:test";
import { request } from "undici";
import { catalogueSchema } from "../../routing-tables/catalogue-schema.ts";
import { policySchema } from "../../routing-tables/policy-schema.ts";
import { buildSnapshot } from "../../routing-tables/snapshot.ts";
import { testSite } from "../testing/consul-world.ts";
import { eventually } from "../testing/fixtures.ts";
import { captureLog } from "../testing/log-capture.ts";
import { keepWriting, openConversation } from "../testing/raw-conversation.ts";
import { parseRawResponse } from "../testing/raw-http.ts";
import { PKI_SKIP } from "../testing/test-pki.ts";
import { startTlsWorld } from "../testing/tls-world.ts";
import { httpsLocation } from "./https-redirect.ts";

const catalogue = catalogueSchema.parse({
  sites: [testSite("a", { longitude: 0, tier: "hub", backends: ["127.0.0.1:1"] })],
});
/** The service router of a snapshot whose one service serves `hosts`. */
const routerFor = (hosts: string[]) =>
  buildSnapshot({
    version: 1,
    catalogue,
    policy: policySchema.parse({ services: [{ name: "web", hosts }] }),
    health: {},
    overrides: {},
    measuredRttMs: {},
    discoveredBackends: {},
    coordinateRttMs: {},
  }).router;
const named = routerFor(["www.example.test", "localhost"]);
const any = routerFor(["*"]);
const paths = { normalize: true, mergeSlashes: true, escapedSlashes: "reject" } as const;

const req = (url: string, host: string, method = "GET") =>
  ({
    method,
    url,
    headers: { host },
    rawHeaders: ["Host", host],
    httpVersionMajor: 1,
  }) as unknown as IncomingMessage;

const rows: readonly [string, IncomingMessage, number, string | undefined, typeof named?][] = [
  [
    "a request for a served host goes to https on the redirect port, query kept",
    req("/a/b?x=1&y", "www.example.test:8080"),
    8443,
    "https://www.example.test:8443/a/b?x=1&y",
  ],
  [
    "port 443 is left out of the location",
    req("/", "www.example.test"),
    443,
    "https://www.example.test/",
  ],
  [
    "the path is sent as the client wrote it",
    req("/a/./b", "www.example.test"),
    443,
    "https://www.example.test/a/./b",
  ],
  ["an IPv6 literal keeps its brackets", req("/", "[::1]:8080"), 443, "https://[::1]/", any],
  [
    "an ACME HTTP-01 challenge is served, not redirected",
    req("/.well-known/acme-challenge/tok", "www.example.test"),
    443,
    undefined,
  ],
  [
    "an ACME path written otherwise is recognised once canonical",
    req("/.well-known/./acme-challenge/tok", "www.example.test"),
    443,
    undefined,
  ],
  ["a host no service serves is not redirected", req("/", "evil.example"), 443, undefined],
  ["a malformed Host is not redirected", req("/", "bad host"), 443, undefined],
  [
    "a path the front door refuses is not redirected",
    req("/a%2Fb", "www.example.test"),
    443,
    undefined,
  ],
  ["CONNECT is never redirected", req("/", "www.example.test", "CONNECT"), 443, undefined],
];

for (const [name, incoming, port, expected, router = named] of rows)
  test(name, () => assert.equal(httpsLocation(incoming, router, paths, port), expected));

test("with plainHttp redirect the plain listener answers 308, serves ACME, and logs the redirect", {
  skip: PKI_SKIP,
}, async (t) => {
  const log = captureLog();
  const w = await startTlsWorld({
    sites: [{ id: "a" }],
    policy: { services: [{ name: "web", hosts: ["localhost"] }] },
    logger: log.logger,
    boot: { log: { level: "info", requests: true } },
    tls: { plainHttp: "redirect", redirectPort: 8443 },
  });
  t.after(() => w.close());
  const plain = w.gateway("a").url;
  // undici's request, not fetch: fetch will not send a Host of the caller's.
  const post = await request(`${plain}/form?a=1`, {
    method: "POST",
    body: "x=1",
    headers: { host: "localhost" },
  });
  await post.body.dump();
  assert.equal(post.statusCode, 308, "308 keeps the method and body");
  assert.equal(post.headers.location, "https://localhost:8443/form?a=1");
  const acme = await request(`${plain}/.well-known/acme-challenge/token`, {
    headers: { host: "localhost" },
  });
  assert.equal(acme.statusCode, 200);
  const served = (await acme.body.json()) as { path: string };
  assert.equal(served.path, "/.well-known/acme-challenge/token");
  // Access lines are batched (access-log.ts): wait for the batch to reach the logger.
  const logged = () => log.said("request").find((l) => l.path === "/form?a=1");
  await eventually(() => logged() !== undefined, 5_000, "the redirect's access-log line");
  const line = logged();
  assert.equal(line?.status, 308);
  assert.equal(line?.code, "https_redirect");
});

test("a body sent with a redirected request is read only up to the lingering bounds, then the connection closes", {
  skip: PKI_SKIP,
}, async (t) => {
  const w = await startTlsWorld({
    sites: [{ id: "a" }],
    policy: { services: [{ name: "web", hosts: ["localhost"] }] },
    boot: { limits: { lingeringBytes: 64 * 1024, lingeringTimeMs: 2_000 } },
    tls: { plainHttp: "redirect", redirectPort: 8443 },
  });
  t.after(() => w.close());
  const c = openConversation(t, w.gateway("a").url);
  // A body without end in sight (50 GB declared, sent for as long as the socket is open).
  c.socket.write("POST /form HTTP/1.1\r\nHost: localhost\r\nContent-Length: 50000000000\r\n\r\n");
  const stop = keepWriting(c.socket, 2, () => "z".repeat(16 * 1024));
  t.after(stop);
  // Without the bound the gateway would go on reading it on a keep-alive connection.
  await c.closed(10_000);
  stop();
  assert.equal(parseRawResponse(c.received()).status, 308);
});
