import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { connect, createServer, type Server } from "node:tls";
import { caPem, PKI_SKIP, pemOf, testPair } from "../testing/test-pki.ts";
import { rsaShadowedNames, SniContexts } from "./sni-contexts.ts";
import type { ServedPair, ServerMaterial } from "./tls-material.ts";

const skip = PKI_SKIP;

const served = (
  name: string,
  hosts: string[],
  kind: "ec" | "rsa",
  isDefault = false,
): ServedPair => {
  const pem = pemOf(testPair(name, { hosts, keyType: kind }));
  return { id: name, ...pem, names: hosts, kind, isDefault };
};

const fingerprint = (pair: ServedPair) => new X509Certificate(pair.cert).fingerprint256;

const protocol = {
  minVersion: "TLSv1.2",
  ciphers: "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256",
  curves: "X25519:prime256v1",
  sessionTimeoutS: 300,
} as const;

async function serve(t: { after(fn: () => void): void }, material: ServerMaterial) {
  const sni = new SniContexts(protocol);
  sni.apply(material);
  const server: Server = createServer({
    ...sni.defaultOptions(),
    SNICallback: (name, done) => done(null, sni.lookup(name)),
  });
  server.on("secureConnection", (socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  /** The fingerprint of the certificate the server shows for `servername`. */
  const shown = (servername?: string, ciphers?: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect({
        host: "127.0.0.1",
        port,
        ca: caPem(),
        rejectUnauthorized: false,
        // TLS 1.2 cipher suites name the certificate's key type (TLS 1.3 ones do not).
        maxVersion: ciphers ? "TLSv1.2" : "TLSv1.3",
        ...(servername && { servername }),
        ...(ciphers && { ciphers }),
      });
      socket.once("secureConnect", () => {
        resolve(socket.getPeerCertificate().fingerprint256);
        socket.destroy();
      });
      socket.once("error", reject);
    });
  return { sni, shown };
}

const a = () => served("sni-a", ["a.test"], "ec", true);
const wild = () => served("sni-wild", ["*.b.test"], "ec");
const rsaB = () => served("sni-b-rsa", ["b.test"], "rsa");
const ecB = () => served("sni-b-ec", ["b.test"], "ec");

const material = (pairs: ServedPair[], generation = 1): ServerMaterial => ({ generation, pairs });

test("an SNI name gets the certificate that names it", { skip }, async (t) => {
  const { shown } = await serve(t, material([a(), wild(), rsaB()]));
  assert.equal(await shown("b.test"), fingerprint(rsaB()));
  assert.equal(await shown("B.TEST"), fingerprint(rsaB()), "names are matched without case");
});

test("a name one label under a wildcard gets the wildcard certificate; two labels do not", {
  skip,
}, async (t) => {
  const { shown } = await serve(t, material([a(), wild()]));
  assert.equal(await shown("www.b.test"), fingerprint(wild()));
  assert.equal(await shown("x.www.b.test"), fingerprint(a()));
});

test("a client without SNI, or naming no listed name, gets the default certificate", {
  skip,
}, async (t) => {
  const { shown } = await serve(t, material([a(), wild()]));
  assert.equal(await shown(), fingerprint(a()));
  assert.equal(await shown("unknown.example"), fingerprint(a()));
});

test("the default ECDSA and RSA certificates are served side by side, by what the client supports", {
  skip,
}, async (t) => {
  const defaultRsa = { ...rsaB(), isDefault: true };
  const defaultEc = { ...ecB(), isDefault: true };
  const { shown } = await serve(t, material([{ ...a(), isDefault: false }, defaultRsa, defaultEc]));
  for (const name of ["b.test", undefined]) {
    assert.equal(await shown(name, "ECDHE-ECDSA-AES128-GCM-SHA256"), fingerprint(defaultEc));
    assert.equal(await shown(name, "ECDHE-RSA-AES128-GCM-SHA256"), fingerprint(defaultRsa));
  }
});

test("a name with both key types that is not the default's is served its ECDSA pair, and listed", {
  skip,
}, async (t) => {
  const { sni, shown } = await serve(t, material([a(), rsaB(), ecB()]));
  assert.equal(await shown("b.test", "ECDHE-ECDSA-AES128-GCM-SHA256"), fingerprint(ecB()));
  assert.deepEqual(sni.rsaShadowed, ["b.test"]);
  assert.deepEqual(rsaShadowedNames([a(), rsaB(), ecB()]), ["b.test"]);
});

test("newer material swaps the contexts; older material is ignored", { skip }, async (t) => {
  const { sni, shown } = await serve(t, material([a(), rsaB()], 2));
  assert.equal(sni.apply(material([a(), ecB()], 3)), true);
  assert.equal(await shown("b.test"), fingerprint(ecB()));
  assert.equal(sni.apply(material([a(), rsaB()], 1)), false);
  assert.equal(await shown("b.test"), fingerprint(ecB()));
});

// The CA the test pairs chain to is the one clients are given.
test("the test pairs chain to the test CA", { skip }, () => {
  const ca = new X509Certificate(caPem());
  assert.ok(
    new X509Certificate(readFileSync(testPair("sni-a", { hosts: [] }).cert)).checkIssued(ca),
  );
});
