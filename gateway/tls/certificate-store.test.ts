import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { caPem, PKI_SKIP, testPair } from "../testing/test-pki.ts";
import { CertificateStore } from "./certificate-store.ts";

const skip = PKI_SKIP;

/** A folder with `name.pem`/`name.key` copies the test can overwrite. */
function folder(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), "cert-store-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const place = (name: string, pair: { cert: string; key: string }) => {
    copyFileSync(pair.cert, join(dir, `${name}.pem`));
    copyFileSync(pair.key, join(dir, `${name}.key`));
    return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
  };
  return { dir, place };
}

const a = () => testPair("store-a", { hosts: ["a.test"] });
const a2 = () => testPair("store-a2", { hosts: ["a.test"] });
const b = () => testPair("store-b", { hosts: ["b.test", "*.b.test"], keyType: "rsa" });

const settings = (pairs: { cert: string; key: string; names?: string[] }[], clientCa?: string) => ({
  certificates: pairs.map((pair) => ({ names: [], default: false, ...pair })),
  ...(clientCa && { clientCa }),
});

test("the pairs that pass their checks are served, the first as the default", { skip }, (t) => {
  const { place } = folder(t);
  const store = new CertificateStore(settings([place("a", a()), place("b", b())]), Date.now);
  const result = store.load();
  assert.deepEqual(result, { changed: true, refused: [] });
  const material = store.material();
  assert.equal(material.generation, 1);
  assert.deepEqual(
    material.pairs.map((pair) => [pair.names, pair.kind, pair.isDefault]),
    [
      [["a.test"], "ec", true],
      [["b.test", "*.b.test"], "rsa", false],
    ],
  );
  assert.deepEqual(store.neverServed(), []);
});

test("a pair replaced by a broken one keeps serving its last good, and says why", { skip }, (t) => {
  const { place, dir } = folder(t);
  const files = place("a", a());
  const store = new CertificateStore(settings([files]), Date.now);
  store.load();
  const served = store.material().pairs[0]?.cert;
  copyFileSync(b().key, join(dir, "a.key")); // the key of another certificate
  const result = store.load();
  assert.equal(result.changed, false);
  assert.match(result.refused[0]?.reason ?? "", /key does not match/);
  assert.equal(store.material().pairs[0]?.cert, served);
  assert.equal(store.refusedCount(), 1);
  const status = store.status().pairs[0];
  assert.match(status?.refused?.reason ?? "", /key does not match/);
  assert.equal(status?.serving?.subject, "CN=a.test");
});

test("a good new pair replaces the old one and bumps the generation; a refusal clears", {
  skip,
}, (t) => {
  const { place, dir } = folder(t);
  const files = place("a", a());
  const store = new CertificateStore(settings([files]), Date.now);
  store.load();
  writeFileSync(join(dir, "a.key"), "garbage");
  store.load();
  assert.equal(store.refusedCount(), 1);
  place("a", a2());
  const result = store.load();
  assert.equal(result.changed, true);
  assert.equal(store.material().generation, 2);
  assert.equal(store.refusedCount(), 0);
  assert.equal(store.status().pairs[0]?.refused, null);
});

test("one broken pair does not hold back the others", { skip }, (t) => {
  const { place, dir } = folder(t);
  const store = new CertificateStore(settings([place("a", a()), place("b", b())]), Date.now);
  store.load();
  writeFileSync(join(dir, "a.pem"), "not a certificate");
  copyFileSync(a2().cert, join(dir, "b.pem"));
  copyFileSync(a2().key, join(dir, "b.key"));
  const result = store.load();
  assert.equal(result.changed, true);
  assert.equal(result.refused.length, 1);
  assert.deepEqual(
    store.material().pairs.map((pair) => pair.names),
    [["a.test"], ["a.test"]],
    "a kept its last good; b's file now holds another a.test pair",
  );
});

test("a pair whose SNI names the certificate does not cover is never served", { skip }, (t) => {
  const { place } = folder(t);
  const store = new CertificateStore(
    settings([{ ...place("a", a()), names: ["www.other.test"] }]),
    Date.now,
  );
  store.load();
  assert.equal(store.material().pairs.length, 0);
  assert.match(store.neverServed()[0]?.reason ?? "", /does not cover www\.other\.test/);
});

test("an expired certificate is refused at load time (the clock is the store's)", { skip }, (t) => {
  const { place } = folder(t);
  const later = Date.now() + 400 * 86_400_000;
  const store = new CertificateStore(settings([place("a", a())]), () => later);
  const result = store.load();
  assert.match(result.refused[0]?.reason ?? "", /expired on/);
});

test("the client CA bundle follows the same rule: a broken one keeps the last good", {
  skip,
}, (t) => {
  const { dir, place } = folder(t);
  const caFile = join(dir, "clients.pem");
  writeFileSync(caFile, caPem());
  const store = new CertificateStore(settings([place("a", a())], caFile), Date.now);
  store.load();
  assert.equal(store.material().clientCa?.includes("BEGIN CERTIFICATE"), true);
  writeFileSync(caFile, "nothing here");
  const result = store.load();
  assert.match(result.refused[0]?.reason ?? "", /no PEM certificate/);
  assert.equal(store.material().clientCa?.includes("BEGIN CERTIFICATE"), true);
  assert.deepEqual(store.status().clientCa?.serving, ["CN=Gateway test CA"]);
});
