import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { caPem, encryptedKey, PKI_SKIP, pemOf, testPair } from "../testing/test-pki.ts";
import { checkPair, pemCertificates } from "./certificate-pair.ts";

const skip = PKI_SKIP;

interface Row {
  readonly name: string;
  readonly cert: () => string;
  readonly key: () => string;
  readonly names?: readonly string[];
  /** "now" just outside the test leaf's validity; default the middle of it. */
  readonly at?: "before" | "after";
  readonly refused?: RegExp;
}

const ec = () => pemOf(testPair("pair-ec", { hosts: ["a.test", "*.a.test", "127.0.0.1"] }));
const rsa = () => pemOf(testPair("pair-rsa", { hosts: ["a.test"], keyType: "rsa" }));
const other = () => pemOf(testPair("pair-other", { hosts: ["b.test"] }));
const client = () => pemOf(testPair("pair-client", { hosts: ["c.test"], client: true }));

const rows: readonly Row[] = [
  {
    name: "an ECDSA pair is served under its DNS names",
    cert: () => ec().cert,
    key: () => ec().key,
  },
  { name: "an RSA pair is served", cert: () => rsa().cert, key: () => rsa().key },
  {
    name: "a key that is not the certificate's is refused",
    cert: () => ec().cert,
    key: () => other().key,
    refused: /key does not match/,
  },
  {
    name: "an expired certificate is refused",
    cert: () => ec().cert,
    key: () => ec().key,
    at: "after",
    refused: /expired on/,
  },
  {
    name: "a certificate not yet valid is refused",
    cert: () => ec().cert,
    key: () => ec().key,
    at: "before",
    refused: /not valid before/,
  },
  {
    name: "an SNI name the certificate does not cover is refused",
    cert: () => ec().cert,
    key: () => ec().key,
    names: ["a.test", "www.b.test"],
    refused: /does not cover www\.b\.test/,
  },
  {
    name: "a host under the certificate's wildcard is covered",
    cert: () => ec().cert,
    key: () => ec().key,
    names: ["www.a.test"],
  },
  {
    name: "a wildcard name is covered only by the same wildcard",
    cert: () => rsa().cert,
    key: () => rsa().key,
    names: ["*.a.test"],
    refused: /does not cover \*\.a\.test/,
  },
  {
    name: "a chain whose issuer comes first is refused",
    cert: () => `${caPem()}${ec().cert}`,
    key: () => ec().key,
    refused: /out of order/,
  },
  {
    name: "an encrypted key is refused",
    cert: () => ec().cert,
    key: () => encryptedKey(testPair("pair-ec", { hosts: [] }).key),
    refused: /encrypted/,
  },
  {
    name: "a file without a certificate is refused",
    cert: () => "not a certificate",
    key: () => ec().key,
    refused: /no PEM certificate/,
  },
  {
    name: "a client-only certificate is refused for serving",
    cert: () => client().cert,
    key: () => client().key,
    refused: /server authentication/,
  },
];

for (const row of rows) {
  test(row.name, { skip }, () => {
    const leaf = new X509Certificate(ec().cert);
    const from = leaf.validFromDate.getTime();
    const to = leaf.validToDate.getTime();
    const now =
      row.at === "before" ? from - 1_000 : row.at === "after" ? to + 1_000 : (from + to) / 2;
    const verdict = checkPair(row.cert(), row.key(), row.names ?? [], now);
    if (row.refused) {
      assert.equal(verdict.ok, false, "refused");
      if (!verdict.ok) assert.match(verdict.reason, row.refused);
    } else {
      assert.equal(verdict.ok, true, verdict.ok ? "" : verdict.reason);
    }
  });
}

test("a served pair is described without its key", { skip }, () => {
  const pair = ec();
  const verdict = checkPair(pair.cert, pair.key, [], Date.now());
  assert.equal(verdict.ok, true);
  if (!verdict.ok) return;
  assert.deepEqual(verdict.names, ["a.test", "*.a.test"]);
  assert.equal(verdict.kind, "ec");
  assert.equal(verdict.info.keyType, "ec prime256v1");
  assert.deepEqual(verdict.info.sans, ["DNS:a.test", "DNS:*.a.test", "IP Address:127.0.0.1"]);
  assert.match(verdict.info.issuer, /CN=Gateway test CA/);
  assert.match(verdict.info.fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  assert.ok(!JSON.stringify(verdict.info).includes("PRIVATE KEY"));
});

test("an EC key on a curve OpenSSL will not serve (secp112r1) is refused, not sent to the workers", {
  skip,
}, () => {
  const folder = mkdtempSync(join(tmpdir(), "pair-small-curve-"));
  try {
    const key = join(folder, "small.key");
    const cert = join(folder, "small.pem");
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-nodes", "-days", "2", "-newkey", "ec"],
        ...["-pkeyopt", "ec_paramgen_curve:secp112r1", "-keyout", key, "-out", cert],
        ...["-subj", "/CN=a.test", "-addext", "subjectAltName=DNS:a.test"],
      ],
      { stdio: "ignore" },
    );
    const verdict = checkPair(
      readFileSync(cert, "utf8"),
      readFileSync(key, "utf8"),
      [],
      Date.now(),
    );
    assert.equal(verdict.ok, false);
    if (!verdict.ok) assert.match(verdict.reason, /curve secp112r1/);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test("PEM blocks are found in order by one linear scan, at most max + 1", () => {
  const block = (body: string) => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`;
  const text = `junk\n${block("A")}\nmore\n${block("B")}\n${block("C")}\n`;
  assert.deepEqual(pemCertificates(text, 10), [block("A"), block("B"), block("C")]);
  assert.equal(pemCertificates(text, 1).length, 2, "enough to say there are too many");
  // 256 KiB of BEGIN lines and no END (once seconds of regex backtracking): no block.
  assert.deepEqual(pemCertificates("-----BEGIN CERTIFICATE-----\n".repeat(9_000), 10), []);
});
