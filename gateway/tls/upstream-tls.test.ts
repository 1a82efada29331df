/**
 * Upstream TLS per site (the catalogue's `upstreamTls`): the control plane reads and checks the
 * files, the data plane's pools speak TLS with them and verify the backend, and nothing falls
 * back to plain HTTP.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpsServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { TLSSocket } from "node:tls";
import pino from "pino";
import WebSocket, { WebSocketServer } from "ws";
import { catalogueSchema } from "../../routing-tables/catalogue-schema.ts";
import { policySchema } from "../../routing-tables/policy-schema.ts";
import { localCa } from "../demo/local-ca.ts";
import { startGateway } from "../process/start-gateway.ts";
import { loopbackBoot, testSite } from "../testing/consul-world.ts";
import { eventually } from "../testing/fixtures.ts";
import { caPem, PKI_SKIP, pemOf, testCa, testPair } from "../testing/test-pki.ts";
import { loadUpstreamTls } from "./upstream-tls.ts";

const skip = PKI_SKIP;
type After = { after(fn: () => unknown): void };

/** An HTTPS backend answering whether it was reached over TLS, and with which client name. */
async function httpsBackend(
  t: After,
  hosts: string[],
  requireClientCert = false,
  seen: { path: string; tls: boolean }[] = [],
) {
  const pair = pemOf(testPair(`backend-${hosts.join("-")}`, { hosts }));
  const server: Server = createHttpsServer(
    {
      ...pair,
      // Asks for a client certificate the test CA issued, and refuses a handshake without.
      ...(requireClientCert && { ca: caPem(), requestCert: true, rejectUnauthorized: true }),
    },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      seen.push({ path: String(req.url), tls: socket.encrypted === true });
      res.end(
        JSON.stringify({
          tls: socket.encrypted === true,
          peer: socket.getPeerCertificate()?.subject?.CN ?? null,
        }),
      );
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    server.close();
    server.closeAllConnections();
  });
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function gatewayTo(
  t: After,
  backend: string,
  upstreamTls: Record<string, string>,
  bootExtra: Record<string, unknown> = {},
) {
  const catalogue = catalogueSchema.parse({
    sites: [testSite("far", { longitude: 0, tier: "hub", backends: [backend], upstreamTls })],
  });
  const policy = policySchema.parse({
    services: [{ name: "web", hosts: ["*"], retry: { maxAttempts: 1 } }],
  });
  const boot = loopbackBoot({ site: "far", ...bootExtra });
  const gateway = await startGateway({
    boot,
    catalogue,
    policy,
    logger: pino({ level: "silent" }),
  });
  t.after(() => gateway.shutdown(1_000));
  return gateway;
}

const get = async (url: string) => {
  const res = await fetch(`${url}/x`);
  return { status: res.status, body: await res.text() };
};

test("a site with upstreamTls is reached over TLS, its certificate checked against the CA given", {
  skip,
}, async (t) => {
  const backend = await httpsBackend(t, ["127.0.0.1"]);
  const gateway = await gatewayTo(t, backend, { ca: testCa().caCert });
  const answer = await get(gateway.url);
  assert.equal(answer.status, 200);
  assert.equal(JSON.parse(answer.body).tls, true);
});

test("a backend whose certificate the CA did not issue is not used: 502, never plain HTTP", {
  skip,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "upstream-other-ca-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const other = localCa(dir, "Not the backend's CA");
  const backend = await httpsBackend(t, ["127.0.0.1"]);
  const gateway = await gatewayTo(t, backend, { ca: other.caCert });
  assert.equal((await get(gateway.url)).status, 502);
});

test("serverName is the name sent and checked: a backend known by name behind an address", {
  skip,
}, async (t) => {
  const backend = await httpsBackend(t, ["backend.test"]);
  const named = await gatewayTo(t, backend, { ca: testCa().caCert, serverName: "backend.test" });
  assert.equal((await get(named.url)).status, 200);
  const unnamed = await gatewayTo(t, backend, { ca: testCa().caCert });
  assert.equal((await get(unnamed.url)).status, 502, "the address is not in its certificate");
});

test("a site with upstreamTls is probed over TLS too, with the same material", {
  skip,
}, async (t) => {
  const seen: { path: string; tls: boolean }[] = [];
  const backend = await httpsBackend(t, ["127.0.0.1"], false, seen);
  await gatewayTo(
    t,
    backend,
    { ca: testCa().caCert },
    { probes: { enabled: true, intervalMs: 50 } },
  );
  await eventually(() => seen.some((s) => s.path === "/healthz"), 5_000, "a probe at the backend");
  assert.ok(seen.filter((s) => s.path === "/healthz").every((s) => s.tls));
});

test("a client certificate is presented to a backend that asks for one", { skip }, async (t) => {
  const backend = await httpsBackend(t, ["127.0.0.1"], true);
  const pair = testPair("upstream-client", { hosts: ["gw.test"], client: true });
  const withPair = await gatewayTo(t, backend, {
    ca: testCa().caCert,
    clientCert: pair.cert,
    clientKey: pair.key,
  });
  const answer = await get(withPair.url);
  assert.equal(answer.status, 200);
  assert.equal(JSON.parse(answer.body).peer, "gw.test");
  const without = await gatewayTo(t, backend, { ca: testCa().caCert });
  assert.equal((await get(without.url)).status, 502);
});

test("files that fail their checks refuse the catalogue, each error at its site's field", {
  skip,
}, (t) => {
  const dir = mkdtempSync(join(tmpdir(), "upstream-files-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "empty.pem"), "no certificate here");
  const server = testPair("upstream-server-only", { hosts: ["x.test"] });
  const site = (id: string, upstreamTls?: Record<string, string>) =>
    testSite(id, { longitude: 0, tier: "hub", backends: ["127.0.0.1:1"], upstreamTls });
  const sites = catalogueSchema.parse({
    sites: [
      site("a", { ca: "missing.pem" }),
      site("b", { ca: "empty.pem" }),
      site("c", { clientCert: server.cert, clientKey: server.key }),
      site("d"),
    ],
  }).sites;
  const result = loadUpstreamTls(sites, join(dir, "catalogue.yaml"), Date.now());
  assert.deepEqual(
    result.errors.map((error) => error.path),
    ["sites[0].upstreamTls.ca", "sites[1].upstreamTls.ca", "sites[2].upstreamTls.clientCert"],
  );
  assert.match(result.errors[0]?.message ?? "", /cannot read/);
  assert.match(result.errors[1]?.message ?? "", /no PEM certificate/);
  assert.match(result.errors[2]?.message ?? "", /client authentication/);
  assert.deepEqual(Object.keys(result.upstreams), []);
});

test("a WebSocket to a site with upstreamTls goes over TLS to its backend", { skip }, async (t) => {
  const pair = pemOf(testPair("backend-ws", { hosts: ["127.0.0.1"] }));
  const server: Server = createHttpsServer(pair);
  const wss = new WebSocketServer({ server });
  wss.on("connection", (ws, req) =>
    ws.on("message", (data) =>
      ws.send(`${data} over ${(req.socket as TLSSocket).encrypted ? "tls" : "plain"}`),
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    for (const ws of wss.clients) ws.terminate();
    wss.close();
    server.close();
  });
  const backend = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const gateway = await gatewayTo(t, backend, { ca: testCa().caCert });
  const ws = new WebSocket(`${gateway.url.replace("http", "ws")}/chat`);
  t.after(() => ws.terminate());
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  const answer = new Promise<string>((resolve) =>
    ws.once("message", (data) => resolve(String(data))),
  );
  ws.send("hello");
  assert.equal(await answer, "hello over tls");
});
