/**
 * Certificates for tests: one local CA per test process (the system's `openssl`, as the demo
 * world's), in a temporary folder removed at exit, and leaf pairs issued on demand and kept by
 * name. Tests that need it skip, saying why, where `openssl` is absent (`PKI_SKIP`).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  hasOpenssl,
  type IssuedPair,
  type LeafOptions,
  type LocalCa,
  localCa,
} from "../demo/local-ca.ts";

/** A skip reason for node:test where openssl is missing, else false. */
export const PKI_SKIP: string | false = hasOpenssl() ? false : "openssl is not installed";

let ca: LocalCa | undefined;
const issued = new Map<string, IssuedPair>();

/** The process's test CA (made at the first call). */
export function testCa(): LocalCa {
  if (!ca) {
    const folder = mkdtempSync(join(tmpdir(), "gateway-test-pki-"));
    process.once("exit", () => rmSync(folder, { recursive: true, force: true }));
    ca = localCa(folder, "Gateway test CA");
  }
  return ca;
}

/** The pair called `name`, issued the first time it is asked for. */
export function testPair(name: string, options: LeafOptions): IssuedPair {
  let pair = issued.get(name);
  if (!pair) {
    pair = testCa().issue(name, options);
    issued.set(name, pair);
  }
  return pair;
}

/** The PEM text of a pair's files. */
export function pemOf(pair: IssuedPair): { cert: string; key: string } {
  return { cert: readFileSync(pair.cert, "utf8"), key: readFileSync(pair.key, "utf8") };
}

/** The CA certificate's PEM text (what a test client trusts). */
export function caPem(): string {
  return readFileSync(testCa().caCert, "utf8");
}

/** `key`, encrypted with a passphrase (a key the gateway must refuse). */
export function encryptedKey(keyFile: string): string {
  return execFileSync("openssl", ["pkey", "-in", keyFile, "-aes256", "-passout", "pass:secret"], {
    encoding: "utf8",
  });
}
