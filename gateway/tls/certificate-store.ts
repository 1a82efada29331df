/**
 * The control plane's certificates: each configured pair read from its files and checked
 * (certificate-pair.ts), with the same rule as configuration — a pair that fails its checks is
 * refused, the reason kept for the admin view and the log, and its last good version keeps
 * serving. Each pair is judged on its own: a broken renewal of one name does not hold back
 * another's. The client CA bundle (tls.clientCa) follows the same rule.
 *
 * `load()` reads everything again (start, SIGHUP, a changed file) and says whether what is
 * served changed; `material()` is what the data planes are sent. Files are read up to
 * MAX_PEM_BYTES each (a chain of ten certificates is about 20 KiB).
 */
import { X509Certificate } from "node:crypto";
import { createSecureContext } from "node:tls";
import { readConfigFile } from "../config/read-config-file.ts";
import type { CertificateSettings, TlsSettings } from "../config/tls-schema.ts";
import { type CertificateInfo, checkPair, pemCertificates } from "./certificate-pair.ts";
import type { ServedPair, ServerMaterial } from "./tls-material.ts";

export const MAX_PEM_BYTES = 256 * 1024;
const MAX_CA_CERTIFICATES = 200;

export interface Refusal {
  readonly atMs: number;
  readonly reason: string;
}

export interface PairStatus {
  readonly cert: string;
  readonly key: string;
  readonly default: boolean;
  /** What is served now (the last good), or null when this pair never passed its checks. */
  readonly serving: (CertificateInfo & { readonly names: readonly string[] }) | null;
  readonly loadedAtMs: number | null;
  /** Set while the latest read of its files was refused. */
  readonly refused: Refusal | null;
}

export interface ClientCaStatus {
  readonly file: string;
  /** Subjects of the CAs served now. */
  readonly serving: readonly string[];
  readonly refused: Refusal | null;
}

export interface LoadResult {
  /** Whether the material to serve differs from before this load. */
  readonly changed: boolean;
  /** Files refused by this load, with why. */
  readonly refused: readonly { readonly file: string; readonly reason: string }[];
}

interface Entry {
  readonly settings: CertificateSettings;
  good?: { readonly pair: ServedPair; readonly info: CertificateInfo; readonly atMs: number };
  refused?: Refusal;
}

export class CertificateStore {
  readonly #entries: Entry[];
  readonly #clientCaFile: string | undefined;
  #clientCa: { pem: string; subjects: readonly string[] } | undefined;
  #clientCaRefused: Refusal | undefined;
  readonly #now: () => number;
  #generation = 0;

  constructor(settings: Pick<TlsSettings, "certificates" | "clientCa">, now: () => number) {
    this.#entries = settings.certificates.map((pair) => ({ settings: pair }));
    this.#clientCaFile = settings.clientCa;
    this.#now = now;
  }

  load(): LoadResult {
    const atMs = this.#now();
    const refused: { file: string; reason: string }[] = [];
    let changed = false;
    const anyMarked = this.#entries.some((entry) => entry.settings.default);
    for (const [index, entry] of this.#entries.entries()) {
      const isDefault = anyMarked ? entry.settings.default : index === 0;
      const verdict = readPair(entry.settings, isDefault, atMs);
      if ("reason" in verdict) {
        entry.refused = { atMs, reason: verdict.reason };
        refused.push({ file: entry.settings.cert, reason: verdict.reason });
        continue;
      }
      entry.refused = undefined;
      const before = entry.good?.pair;
      if (before?.cert !== verdict.pair.cert || before.key !== verdict.pair.key) changed = true;
      entry.good = { ...verdict, atMs };
    }
    if (this.#loadClientCa(atMs, refused)) changed = true;
    if (changed) this.#generation += 1;
    return { changed, refused };
  }

  /** Pairs (and the client CA) that never passed their checks: the gateway cannot start. */
  neverServed(): { file: string; reason: string }[] {
    const pairs = this.#entries
      .filter((entry) => !entry.good)
      .map((entry) => ({
        file: entry.settings.cert,
        reason: entry.refused?.reason ?? "not loaded",
      }));
    if (this.#clientCaFile && !this.#clientCa)
      pairs.push({
        file: this.#clientCaFile,
        reason: this.#clientCaRefused?.reason ?? "not loaded",
      });
    return pairs;
  }

  /** How many files' latest read was refused (the last good of each serves). */
  refusedCount(): number {
    const pairs = this.#entries.filter((entry) => entry.refused).length;
    return pairs + (this.#clientCaRefused ? 1 : 0);
  }

  material(): ServerMaterial {
    return {
      generation: this.#generation,
      pairs: this.#entries.flatMap((entry) => (entry.good ? [entry.good.pair] : [])),
      ...(this.#clientCa && { clientCa: this.#clientCa.pem }),
    };
  }

  status(): { pairs: PairStatus[]; clientCa: ClientCaStatus | null } {
    const pairs = this.#entries.map((entry) => ({
      cert: entry.settings.cert,
      key: entry.settings.key,
      default: entry.good?.pair.isDefault ?? entry.settings.default,
      serving: entry.good ? { ...entry.good.info, names: entry.good.pair.names } : null,
      loadedAtMs: entry.good?.atMs ?? null,
      refused: entry.refused ?? null,
    }));
    const clientCa = this.#clientCaFile
      ? {
          file: this.#clientCaFile,
          serving: this.#clientCa?.subjects ?? [],
          refused: this.#clientCaRefused ?? null,
        }
      : null;
    return { pairs, clientCa };
  }

  /** Reads the client CA bundle again; true when what is served changed. */
  #loadClientCa(atMs: number, refused: { file: string; reason: string }[]): boolean {
    const file = this.#clientCaFile;
    if (!file) return false;
    const read = readPem(file);
    const bundle = "reason" in read ? read : caBundle(read.text);
    if ("reason" in bundle) {
      this.#clientCaRefused = { atMs, reason: bundle.reason };
      refused.push({ file, reason: bundle.reason });
      return false;
    }
    this.#clientCaRefused = undefined;
    const changed = this.#clientCa?.pem !== bundle.pem;
    this.#clientCa = bundle;
    return changed;
  }
}

function readPair(
  settings: CertificateSettings,
  isDefault: boolean,
  nowMs: number,
): { pair: ServedPair; info: CertificateInfo } | { reason: string } {
  const cert = readPem(settings.cert);
  if ("reason" in cert) return cert;
  const key = readPem(settings.key);
  if ("reason" in key) return key;
  const verdict = checkPair(cert.text, key.text, settings.names, nowMs);
  if (!verdict.ok) return { reason: verdict.reason };
  // What the workers will do with it, tried here first: a pair OpenSSL refuses (a key its
  // security level calls too small, …) is refused like any other bad pair, and the last good
  // keeps serving — never sent to workers that would fail to build their contexts.
  try {
    createSecureContext({ cert: cert.text, key: key.text });
  } catch (error) {
    return { reason: `OpenSSL refuses the pair: ${(error as Error).message}` };
  }
  const pair: ServedPair = {
    id: settings.cert,
    cert: cert.text,
    key: key.text,
    names: verdict.names,
    kind: verdict.kind,
    isDefault,
  };
  return { pair, info: verdict.info };
}

function readPem(file: string): { text: string } | { reason: string } {
  const read = readConfigFile(file, MAX_PEM_BYTES);
  return "error" in read ? { reason: `${file}: ${read.error.message}` } : read;
}

/** A PEM bundle of CA certificates: 1 to MAX_CA_CERTIFICATES, each parsing. */
export function caBundle(
  text: string,
): { pem: string; subjects: readonly string[] } | { reason: string } {
  const blocks = pemCertificates(text, MAX_CA_CERTIFICATES);
  if (blocks.length === 0) return { reason: "no PEM certificate in the CA file" };
  if (blocks.length > MAX_CA_CERTIFICATES)
    return { reason: `more than ${MAX_CA_CERTIFICATES} certificates in the CA file` };
  const subjects: string[] = [];
  for (const [i, block] of blocks.entries()) {
    try {
      subjects.push(new X509Certificate(block).subject.split("\n").join(", "));
    } catch (error) {
      return { reason: `CA certificate ${i + 1} does not parse: ${(error as Error).message}` };
    }
  }
  return { pem: blocks.join("\n"), subjects };
}
