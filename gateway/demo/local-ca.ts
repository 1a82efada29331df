/**
 * A local certificate authority made with the system's `openssl` (OpenSSL 3): a CA key and
 * self-signed CA certificate in a folder, and leaf certificates it signs for servers (SANs:
 * DNS names and IP addresses) and for clients (mTLS). The demo world makes one at its first
 * start; the tests make one per test file. Nothing here is for production: keys are written
 * unencrypted (mode 0600) into the folder given.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { isIP } from "node:net";
import { join } from "node:path";

export type KeyType = "ec" | "rsa";

export interface IssuedPair {
  /** The certificate's PEM file. */
  readonly cert: string;
  /** Its private key's PEM file (unencrypted). */
  readonly key: string;
}

export interface LeafOptions {
  /** DNS names (wildcards allowed) and IP addresses, in the subjectAltName. */
  readonly hosts: readonly string[];
  readonly keyType?: KeyType;
  /** Validity from now, days; default 30. */
  readonly days?: number;
  /** A client certificate (extendedKeyUsage clientAuth) instead of a server one. */
  readonly client?: boolean;
}

export interface LocalCa {
  readonly folder: string;
  /** The CA certificate: what clients trust (`curl --cacert`). */
  readonly caCert: string;
  /** Signs a leaf named `name` (its files are `<name>.pem`, `<name>.key`). */
  issue(name: string, options: LeafOptions): IssuedPair;
}

/** True when an `openssl` binary answers on the PATH. */
export function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** The CA in `folder`, made now unless its files are already there. */
export function localCa(folder: string, commonName = "Gateway local CA"): LocalCa {
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const caCert = join(folder, "ca.pem");
  const caKey = join(folder, "ca.key");
  if (!existsSync(caCert) || !existsSync(caKey)) {
    openssl([
      "req",
      "-x509",
      ...keyArgs("ec"),
      "-nodes",
      "-keyout",
      caKey,
      "-out",
      caCert,
      "-days",
      "3650",
      "-subj",
      `/CN=${commonName}`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    chmodSync(caKey, 0o600);
  }
  return {
    folder,
    caCert,
    issue: (name, options) => {
      const cert = join(folder, `${name}.pem`);
      const key = join(folder, `${name}.key`);
      openssl([
        "req",
        "-x509",
        "-CA",
        caCert,
        "-CAkey",
        caKey,
        ...keyArgs(options.keyType ?? "ec"),
        "-nodes",
        "-keyout",
        key,
        "-out",
        cert,
        "-days",
        String(options.days ?? 30),
        "-subj",
        `/CN=${options.hosts[0] ?? name}`,
        "-addext",
        `subjectAltName=${options.hosts.map(sanEntry).join(",")}`,
        "-addext",
        "basicConstraints=critical,CA:FALSE",
        "-addext",
        `extendedKeyUsage=${options.client ? "clientAuth" : "serverAuth"}`,
      ]);
      chmodSync(key, 0o600);
      return { cert, key };
    },
  };
}

function keyArgs(type: KeyType): string[] {
  return type === "ec"
    ? ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
    : ["-newkey", "rsa:2048"];
}

function sanEntry(host: string): string {
  return isIP(host) ? `IP:${host}` : `DNS:${host}`;
}

function openssl(args: readonly string[]): void {
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
}
