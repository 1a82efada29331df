/**
 * Whether a certificate chain and a private key make a pair the gateway may serve, and what
 * the pair is (for the admin view: never the key). Pure over its inputs (PEM text, the SNI
 * names asked for, the time), so the rules are table-tested:
 *
 * - the chain parses (1 to 10 certificates, leaf first), each certificate issued the one
 *   before it;
 * - the key parses, is not encrypted, and is the leaf's (the key does not match: refused);
 * - the leaf is valid now (not yet valid, or expired: refused);
 * - the leaf is RSA (2048 bits or more) or ECDSA, and if it names its extended key usage,
 *   server authentication is in it;
 * - every SNI name asked for is one the leaf covers (an exact name by RFC 6125 matching, a
 *   `*.domain` name only by the same wildcard in its SANs); no names asked: the leaf's DNS
 *   names.
 */
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";

export interface CertificateInfo {
  readonly subject: string;
  /** subjectAltName entries: DNS names and IP addresses, as written. */
  readonly sans: readonly string[];
  readonly issuer: string;
  readonly notBefore: string;
  readonly notAfter: string;
  /** notAfter as ms since the epoch (the expiry metric). */
  readonly notAfterMs: number;
  /** `rsa 2048`, `ec prime256v1`. */
  readonly keyType: string;
  /** SHA-256 of the leaf, colon hex. */
  readonly fingerprint: string;
  readonly serial: string;
  /** Certificates in the chain, leaf included. */
  readonly chainLength: number;
}

export type KeyKind = "rsa" | "ec";

export type PairVerdict =
  | {
      readonly ok: true;
      readonly info: CertificateInfo;
      readonly kind: KeyKind;
      /** The SNI names served: the ones asked for, else the leaf's DNS names. */
      readonly names: readonly string[];
    }
  | { readonly ok: false; readonly reason: string };

const MAX_CHAIN = 10;
const MIN_RSA_BITS = 2048;
const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

/** A pair for serving (SNI names, server authentication) or for a client (mTLS upstream). */
export type PairPurpose = "server" | "client";
const BEGIN = "-----BEGIN CERTIFICATE-----";
const END = "-----END CERTIFICATE-----";
/** The named curves OpenSSL serves at its default security level (others: "key too small"). */
const SERVED_CURVES = new Set(["prime256v1", "secp384r1", "secp521r1"]);

/**
 * The PEM certificate blocks of `text`, in order, at most `max + 1` (enough to say "too many"):
 * one linear scan with indexOf, whatever the text holds (a lazy regex over a file of BEGIN
 * lines without END is quadratic: seconds for 256 KiB).
 */
export function pemCertificates(text: string, max: number): string[] {
  const blocks: string[] = [];
  let from = 0;
  while (blocks.length <= max) {
    const begin = text.indexOf(BEGIN, from);
    if (begin < 0) break;
    const end = text.indexOf(END, begin + BEGIN.length);
    if (end < 0) break;
    blocks.push(text.slice(begin, end + END.length));
    from = end + END.length;
  }
  return blocks;
}

export function checkPair(
  certPem: string,
  keyPem: string,
  askedNames: readonly string[],
  nowMs: number,
  purpose: PairPurpose = "server",
): PairVerdict {
  const chain = parseChain(certPem);
  if (typeof chain === "string") return refused(chain);
  const leaf = chain[0] as X509Certificate;
  const key = parseKey(keyPem);
  if (typeof key === "string") return refused(key);
  if (!leaf.checkPrivateKey(key)) return refused("the key does not match the certificate");
  const notBefore = leaf.validFromDate.getTime();
  const notAfter = leaf.validToDate.getTime();
  if (nowMs < notBefore) return refused(`not valid before ${leaf.validFromDate.toISOString()}`);
  if (nowMs > notAfter) return refused(`expired on ${leaf.validToDate.toISOString()}`);
  const kind = keyKind(leaf);
  if (typeof kind !== "object") return refused(kind);
  const usage = leaf.keyUsage;
  const wanted = purpose === "server" ? SERVER_AUTH : CLIENT_AUTH;
  if (usage && usage.length > 0 && !usage.includes(wanted))
    return refused(`its extended key usage does not include ${purpose} authentication`);
  const sans = subjectAltNames(leaf);
  if (purpose === "client")
    return {
      ok: true,
      info: describe(leaf, chain.length, sans, kind.type),
      kind: kind.kind,
      names: [],
    };
  const dnsNames = sans.flatMap((entry) => (entry.startsWith("DNS:") ? [entry.slice(4)] : []));
  const names = askedNames.length > 0 ? askedNames : dnsNames.map((name) => name.toLowerCase());
  if (names.length === 0) return refused("the certificate has no DNS name: list `names`");
  const uncovered = names.filter((name) => !covers(leaf, dnsNames, name));
  if (uncovered.length > 0)
    return refused(`the certificate does not cover ${uncovered.slice(0, 5).join(", ")}`);
  return { ok: true, info: describe(leaf, chain.length, sans, kind.type), kind: kind.kind, names };
}

function refused(reason: string): PairVerdict {
  return { ok: false, reason };
}

/** The certificates of a PEM file, leaf first, each issued by the next; or why not. */
function parseChain(pem: string): X509Certificate[] | string {
  const blocks = pemCertificates(pem, MAX_CHAIN);
  if (blocks.length === 0) return "no PEM certificate in the file";
  if (blocks.length > MAX_CHAIN) return `more than ${MAX_CHAIN} certificates in the chain`;
  const chain: X509Certificate[] = [];
  for (const [i, block] of blocks.entries()) {
    try {
      chain.push(new X509Certificate(block));
    } catch (error) {
      return `certificate ${i + 1} does not parse: ${(error as Error).message}`;
    }
  }
  for (let i = 1; i < chain.length; i++)
    if (!(chain[i - 1] as X509Certificate).checkIssued(chain[i] as X509Certificate))
      return `the chain is out of order: certificate ${i + 1} did not issue certificate ${i}`;
  return chain;
}

function parseKey(pem: string): KeyObject | string {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem))
    return "the key is encrypted (give it unencrypted, mode 0600)";
  try {
    return createPrivateKey({ key: pem, format: "pem" });
  } catch (error) {
    return `the key does not parse: ${(error as Error).message}`;
  }
}

function keyKind(leaf: X509Certificate): { kind: KeyKind; type: string } | string {
  const key = leaf.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === "rsa") {
    const bits = details.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) return `an RSA key of ${bits} bits (at least ${MIN_RSA_BITS})`;
    return { kind: "rsa", type: `rsa ${bits}` };
  }
  if (key.asymmetricKeyType === "ec") {
    const curve = details.namedCurve ?? "unknown";
    if (!SERVED_CURVES.has(curve))
      return `an EC key on curve ${curve} (P-256, P-384 or P-521 are served)`;
    return { kind: "ec", type: `ec ${curve}` };
  }
  return `a ${key.asymmetricKeyType} key (RSA or ECDSA are served)`;
}

/** DNS and IP entries of the subjectAltName, as `DNS:name` / `IP Address:addr`. */
export function subjectAltNames(cert: X509Certificate): string[] {
  const text = cert.subjectAltName;
  if (!text) return [];
  return text.split(", ").flatMap((entry) => {
    const colon = entry.indexOf(":");
    const kind = entry.slice(0, colon);
    if (kind !== "DNS" && kind !== "IP Address") return [];
    const raw = entry.slice(colon + 1);
    // Node quotes (JSON) a name with characters that could confuse this split.
    const value = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    return [`${kind}:${value}`];
  });
}

/** Does the leaf serve `name`: an exact name by RFC 6125, `*.d` only by the same wildcard. */
function covers(leaf: X509Certificate, dnsNames: readonly string[], name: string): boolean {
  if (name.startsWith("*.")) return dnsNames.some((san) => san.toLowerCase() === name);
  return leaf.checkHost(name) !== undefined;
}

function describe(
  leaf: X509Certificate,
  chainLength: number,
  sans: readonly string[],
  keyType: string,
): CertificateInfo {
  return {
    subject: oneLine(leaf.subject),
    sans,
    issuer: oneLine(leaf.issuer),
    notBefore: leaf.validFromDate.toISOString(),
    notAfter: leaf.validToDate.toISOString(),
    notAfterMs: leaf.validToDate.getTime(),
    keyType,
    fingerprint: leaf.fingerprint256,
    serial: leaf.serialNumber,
    chainLength,
  };
}

/** Node writes a distinguished name one attribute per line. */
function oneLine(name: string): string {
  return name.split("\n").filter(Boolean).join(", ");
}
