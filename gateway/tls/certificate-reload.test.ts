/**
 * Certificates hot-reloaded in a running gateway (control plane and data plane in one
 * process): a good new pair reaches new connections; a broken one is refused with the last
 * good still served, the refusal in /sites, /tls and the metrics.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { eventually } from "../testing/fixtures.ts";
import { PKI_SKIP, testPair } from "../testing/test-pki.ts";
import { handshake, startTlsWorld, type TlsWorld } from "../testing/tls-world.ts";

const skip = PKI_SKIP;
const first = () => testPair("reload-1", { hosts: ["localhost"] });
const second = () => testPair("reload-2", { hosts: ["localhost"] });
const other = () => testPair("reload-other", { hosts: ["other.test"] });
const fingerprint = (file: string) => new X509Certificate(readFileSync(file)).fingerprint256;

async function reloadWorld(t: { after(fn: () => void | Promise<void>): void }) {
  const dir = mkdtempSync(join(tmpdir(), "cert-reload-"));
  const cert = join(dir, "site.pem");
  const key = join(dir, "site.key");
  copyFileSync(first().cert, cert);
  copyFileSync(first().key, key);
  const w = await startTlsWorld({
    sites: [{ id: "a" }],
    tls: { certificates: [{ cert, key }] },
  });
  t.after(async () => {
    await w.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const put = (pair: { cert: string; key: string }) => {
    copyFileSync(pair.cert, cert);
    copyFileSync(pair.key, key);
  };
  return { w, put, key };
}

const shown = async (w: TlsWorld) =>
  (await handshake(w.port, { servername: "localhost" })).fingerprint;
const admin = async (w: TlsWorld, path: string) =>
  (await fetch(`${w.gateway("a").adminUrl}${path}`)).text();

test("a good new pair written over the files is served to new connections", { skip }, async (t) => {
  const { w, put } = await reloadWorld(t);
  assert.equal(await shown(w), fingerprint(first().cert));
  put(second());
  await eventually(
    async () => (await shown(w)) === fingerprint(second().cert),
    10_000,
    "the new certificate to be served",
  );
});

test("a broken pair is refused: the last good keeps serving; /tls, /sites and the metrics say so", {
  skip,
}, async (t) => {
  const { w, key } = await reloadWorld(t);
  copyFileSync(other().key, key); // a key that is not the certificate's
  await eventually(
    async () => (await admin(w, "/metrics")).includes("gateway_tls_certificates_refused 1"),
    10_000,
    "the refusal in the metrics",
  );
  assert.equal(await shown(w), fingerprint(first().cert), "the last good is served");
  const status = JSON.parse(await admin(w, "/tls"));
  assert.match(status.pairs[0].refused.reason, /key does not match/);
  assert.equal(status.pairs[0].serving.fingerprint, fingerprint(first().cert));
  assert.equal(JSON.stringify(status).includes("PRIVATE KEY"), false, "never a key");
  const sites = JSON.parse(await admin(w, "/sites"));
  assert.match(sites.tls.pairs[0].refused.reason, /key does not match/);
  assert.match(await admin(w, "/metrics"), /gateway_tls_certificate_reloads_refused_total [1-9]/);
  copyFileSync(first().key, key);
  await eventually(
    async () => (await admin(w, "/metrics")).includes("gateway_tls_certificates_refused 0"),
    10_000,
    "the refusal to clear once the key matches again",
  );
});

test("the expiry metric gives each served certificate's notAfter, in seconds", {
  skip,
}, async (t) => {
  const { w } = await reloadWorld(t);
  const notAfter = new X509Certificate(readFileSync(first().cert)).validToDate.getTime() / 1e3;
  const metrics = await admin(w, "/metrics");
  const line = metrics
    .split("\n")
    .find((l) => l.startsWith("gateway_tls_certificate_expiry_timestamp_seconds{"));
  assert.ok(line, "the expiry series");
  assert.match(line, /key_type="ec prime256v1"/);
  assert.equal(Number(line.split(" ").pop()), notAfter);
});
