/**
 * mTLS per service: with `tls.clientCa` every handshake asks for a certificate (none is
 * required there); a service with `clientCertificate: required` refuses requests that came
 * without one the CA verified, over HTTP/2, HTTP/1.1 and plain HTTP alike; other services
 * serve everyone.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Agent, request } from "undici";
import { localCa } from "../demo/local-ca.ts";
import { caPem, PKI_SKIP, pemOf, testCa, testPair } from "../testing/test-pki.ts";
import { h2Request, h2Session, startTlsWorld } from "../testing/tls-world.ts";

const skip = PKI_SKIP;

const policy = {
  services: [
    { name: "admin", hosts: ["localhost"], pathPrefix: "/private", clientCertificate: "required" },
    { name: "web", hosts: ["localhost"] },
  ],
};

async function mtlsWorld(t: { after(fn: () => Promise<void> | void): void }) {
  const w = await startTlsWorld({
    sites: [{ id: "a" }],
    policy,
    tls: { clientCa: testCa().caCert },
  });
  t.after(() => w.close());
  return w;
}

/** An HTTP/2 GET of `path`, presenting `pair` when given. */
async function h2Get(url: string, path: string, pair?: { cert: string; key: string }) {
  const session = connect(url, { ca: caPem(), servername: "localhost", ...(pair && pemOf(pair)) });
  try {
    await new Promise((resolve, reject) => {
      session.once("connect", resolve);
      session.once("error", reject);
    });
    return await h2Request(session, { ":path": path });
  } finally {
    session.close();
  }
}

const client = () => testPair("mtls-client", { hosts: ["client.test"], client: true });

test("a service that wants a client certificate refuses a request without one, 403", {
  skip,
}, async (t) => {
  const w = await mtlsWorld(t);
  const answer = await h2Get(w.localUrl, "/private/x");
  assert.equal(answer.status, 403);
  assert.equal(JSON.parse(answer.body).code, "client_certificate_required");
});

test("a client certificate the CA issued is served, over HTTP/2 and HTTP/1.1", {
  skip,
}, async (t) => {
  const w = await mtlsWorld(t);
  assert.equal((await h2Get(w.localUrl, "/private/x", client())).status, 200);
  const dispatcher = new Agent({
    allowH2: false,
    connect: { ca: caPem(), servername: "localhost", ...pemOf(client()) },
  });
  t.after(() => dispatcher.close());
  const h1 = await request(`${w.localUrl}/private/y`, { dispatcher });
  await h1.body.dump();
  assert.equal(h1.statusCode, 200);
});

test("a certificate from another CA is not verified: refused", { skip }, async (t) => {
  const w = await mtlsWorld(t);
  const dir = mkdtempSync(join(tmpdir(), "other-ca-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const stranger = localCa(dir, "Another CA").issue("stranger", {
    hosts: ["s.test"],
    client: true,
  });
  const answer = await h2Get(w.localUrl, "/private/x", stranger);
  assert.equal(answer.status, 403);
});

test("a service without the requirement serves a client without a certificate", {
  skip,
}, async (t) => {
  const w = await mtlsWorld(t);
  const session = await h2Session(w.localUrl);
  t.after(() => session.close());
  assert.equal((await h2Request(session, { ":path": "/open" })).status, 200);
});

test("over plain HTTP the requirement cannot be met: refused", { skip }, async (t) => {
  const w = await mtlsWorld(t);
  const plain = await request(`${w.gateway("a").url}/private/x`, {
    headers: { host: "localhost" },
  });
  assert.equal(plain.statusCode, 403);
  assert.equal(((await plain.body.json()) as { code: string }).code, "client_certificate_required");
});
