/**
 * The demo world's TLS: a local CA and the gateways' certificates, made with the system's
 * `openssl` at the first start and kept in a folder the demo owns — `$XDG_CACHE_HOME` (else
 * `~/.cache`) `/multisite-gateway/demo-pki`, never the repository — so a client trusts the
 * same CA from one run to the next (`curl --cacert <folder>/ca.pem`). Each gateway serves an
 * ECDSA and an RSA certificate side by side for localhost, 127.0.0.1, ::1 and the reference
 * policy's names (`*.example.test`, `*.example.net`); a leaf with less than a week left is
 * issued again. Without openssl the demo runs without TLS and the banner says why.
 */
import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { hasOpenssl, type IssuedPair, type LocalCa, localCa } from "./local-ca.ts";

export interface DemoPki {
  readonly folder: string;
  readonly caCert: string;
  readonly ecdsa: IssuedPair;
  readonly rsa: IssuedPair;
}

const HOSTS = [
  "localhost",
  "127.0.0.1",
  "::1",
  "example.test",
  "*.example.test",
  "example.net",
  "*.example.net",
];
const LEAF_DAYS = 90;
const RENEW_BEFORE_MS = 7 * 86_400_000;

/** The demo's PKI folder: a cache directory of the user's, else the system's temporary one. */
export function demoPkiFolder(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.XDG_CACHE_HOME || (homedir() ? join(homedir(), ".cache") : tmpdir());
  return join(cache, "multisite-gateway", "demo-pki");
}

/** The demo's CA and pairs (made or renewed now as needed), or why TLS is off. */
export function demoPki(folder = demoPkiFolder()): DemoPki | { off: string } {
  if (!hasOpenssl()) return { off: "openssl is not installed, so no local CA could be made" };
  try {
    const ca = localCa(folder, "multisite-gateway demo CA");
    return {
      folder,
      caCert: ca.caCert,
      ecdsa: fresh(ca, "gateway-ecdsa", "ec"),
      rsa: fresh(ca, "gateway-rsa", "rsa"),
    };
  } catch (error) {
    return { off: `the local CA could not be made in ${folder}: ${(error as Error).message}` };
  }
}

/** The pair `name` in the CA's folder, issued again when missing or near its end. */
function fresh(ca: LocalCa, name: string, keyType: "ec" | "rsa"): IssuedPair {
  const pair = { cert: join(ca.folder, `${name}.pem`), key: join(ca.folder, `${name}.key`) };
  if (existsSync(pair.cert) && existsSync(pair.key)) {
    const leaf = new X509Certificate(readFileSync(pair.cert));
    const issuedByThisCa = leaf.checkIssued(new X509Certificate(readFileSync(ca.caCert)));
    if (issuedByThisCa && leaf.validToDate.getTime() - Date.now() > RENEW_BEFORE_MS) return pair;
  }
  return ca.issue(name, { hosts: HOSTS, keyType, days: LEAF_DAYS });
}

/** A gateway's boot `tls` section for the demo: both pairs as the defaults, on port 0. */
export function demoTlsBoot(pki: DemoPki, host: string): Record<string, unknown> {
  return {
    enabled: true,
    listen: { host, port: 0 },
    certificates: [
      { ...pki.ecdsa, default: true },
      { ...pki.rsa, default: true },
    ],
  };
}
