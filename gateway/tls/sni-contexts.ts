/**
 * A data plane's secure contexts, by SNI name: built from the control plane's material and
 * swapped whole (one assignment) when new material arrives, so a handshake sees the old set
 * or the new one, never a mix. Lookup: the exact name, then the wildcard one label up
 * (`a.b.example` → `*.b.example`, as RFC 6125 wildcards cover one label), then the default.
 * Each name's context holds every pair that serves it, at most one per key type (the first
 * listed wins), so an ECDSA and an RSA certificate are offered side by side and OpenSSL picks
 * by what the client supports. Every context gets the same protocol settings (minimum version,
 * ciphers, groups, the client CA), whichever one a handshake ends on.
 */
import { constants } from "node:crypto";
import { createSecureContext, type SecureContext, type SecureContextOptions } from "node:tls";
import type { ServedPair, ServerMaterial } from "./tls-material.ts";

export interface ProtocolSettings {
  readonly minVersion: "TLSv1.2" | "TLSv1.3";
  readonly ciphers: string;
  readonly curves: string;
  /** Seconds a session (ticket) may be resumed. */
  readonly sessionTimeoutS: number;
}

/** Sessions are shared by every worker of every gateway: the same context id in all. */
const SESSION_ID_CONTEXT = "multisite-gateway";

/**
 * OpenSSL options: no renegotiation (a client could make the server redo handshakes at will),
 * no compression (CRIME). TLS 1.0/1.1 are out by minVersion.
 */
const SECURE_OPTIONS = constants.SSL_OP_NO_RENEGOTIATION | constants.SSL_OP_NO_COMPRESSION;

export class SniContexts {
  readonly #protocol: ProtocolSettings;
  #exact = new Map<string, SecureContext>();
  #default: SecureContextOptions = {};
  #defaultContext: SecureContext | undefined;
  #generation = -1;

  constructor(protocol: ProtocolSettings) {
    this.#protocol = protocol;
  }

  get generation(): number {
    return this.#generation;
  }

  /** Builds the contexts of `material`; false (nothing changed) when it is not newer. */
  apply(material: ServerMaterial): boolean {
    if (material.generation <= this.#generation) return false;
    const byPairs = new Map<string, SecureContext>();
    const exact = new Map<string, SecureContext>();
    const contextOf = (pairs: readonly ServedPair[]) => {
      const key = pairs.map((pair) => pair.id).join("\n");
      let context = byPairs.get(key);
      if (!context) {
        context = createSecureContext(this.options(pairs, material.clientCa));
        byPairs.set(key, context);
      }
      return context;
    };
    for (const [name, pairs] of pairsByName(material.pairs)) exact.set(name, contextOf(pairs));
    const defaults = onePerKind(material.pairs.filter((pair) => pair.isDefault));
    this.#default = this.options(defaults, material.clientCa);
    this.#defaultContext = defaults.length > 0 ? contextOf(defaults) : undefined;
    this.#exact = exact;
    this.#generation = material.generation;
    return true;
  }

  /** The context for a client's SNI name; undefined: the server's own (the default). */
  lookup(servername: string): SecureContext | undefined {
    const name = servername.toLowerCase();
    const found = this.#exact.get(name);
    if (found) return found;
    const dot = name.indexOf(".");
    return (dot > 0 && this.#exact.get(`*${name.slice(dot)}`)) || this.#defaultContext;
  }

  /** The server's own context options: the default pairs (`server.setSecureContext`). */
  defaultOptions(): SecureContextOptions {
    return this.#default;
  }

  /** Secure-context options for `pairs`, with the protocol settings every context shares. */
  options(pairs: readonly ServedPair[], clientCa?: string): SecureContextOptions {
    const { minVersion, ciphers, curves, sessionTimeoutS } = this.#protocol;
    return {
      key: pairs.map((pair) => pair.key),
      cert: pairs.map((pair) => pair.cert),
      minVersion,
      ciphers,
      ecdhCurve: curves,
      // DHE suites of the cipher list use a 2048-bit group (RFC 7919, OpenSSL's choice).
      dhparam: "auto",
      // Mozilla intermediate: the client's order (server_preferred_order false).
      honorCipherOrder: false,
      secureOptions: SECURE_OPTIONS,
      sessionIdContext: SESSION_ID_CONTEXT,
      sessionTimeout: sessionTimeoutS,
      ...(clientCa && { ca: clientCa }),
    };
  }
}

/** Every name's pairs, at most one per key type, in the order listed. */
function pairsByName(pairs: readonly ServedPair[]): Map<string, ServedPair[]> {
  const byName = new Map<string, ServedPair[]>();
  for (const pair of pairs)
    for (const name of pair.names) {
      const list = byName.get(name) ?? [];
      if (!list.some((other) => other.kind === pair.kind)) list.push(pair);
      byName.set(name, list);
    }
  return byName;
}

function onePerKind(pairs: readonly ServedPair[]): ServedPair[] {
  const chosen: ServedPair[] = [];
  for (const pair of pairs)
    if (!chosen.some((other) => other.kind === pair.kind)) chosen.push(pair);
  return chosen;
}
