/**
 * A data plane's secure contexts, by SNI name: built from the control plane's material and
 * swapped whole (one assignment) when new material arrives, so a handshake sees the old set
 * or the new one, never a mix. Lookup: the exact name, then the wildcard one label up
 * (`a.b.example` → `*.b.example`, as RFC 6125 wildcards cover one label), then the default.
 * The default pairs (one per key type, the first listed wins) make the server's own context,
 * so an ECDSA and an RSA certificate are offered side by side there and OpenSSL picks by what
 * the client supports; any other name is served one pair, its ECDSA one when it has both (the
 * RSA one is "shadowed", shown in /tls). Every context gets the same protocol settings
 * (minimum version, ciphers, groups, the client CA), whichever one a handshake ends on.
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
  /** undefined: the name is the default pairs' (the server's own context serves it). */
  #exact = new Map<string, SecureContext | undefined>();
  #rsaShadowed: readonly string[] = [];
  #default: SecureContextOptions = {};
  #generation = -1;

  constructor(protocol: ProtocolSettings) {
    this.#protocol = protocol;
  }

  /** Builds the contexts of `material`; false (nothing changed) when it is not newer. */
  apply(material: ServerMaterial): boolean {
    if (material.generation <= this.#generation) return false;
    const byPair = new Map<string, SecureContext>();
    const contextOf = (pair: ServedPair) => {
      let context = byPair.get(pair.id);
      if (!context) {
        context = createSecureContext(this.options([pair], material.clientCa));
        byPair.set(pair.id, context);
      }
      return context;
    };
    const defaults = onePerKind(material.pairs.filter((pair) => pair.isDefault));
    const defaultIds = defaults.map((pair) => pair.id).join("\n");
    const exact = new Map<string, SecureContext | undefined>();
    const shadowed: string[] = [];
    for (const [name, pairs] of pairsByName(material.pairs)) {
      if (pairs.map((pair) => pair.id).join("\n") === defaultIds) exact.set(name, undefined);
      else {
        const chosen = pairs.find((pair) => pair.kind === "ec") ?? (pairs[0] as ServedPair);
        if (pairs.length > 1) shadowed.push(name);
        exact.set(name, contextOf(chosen));
      }
    }
    this.#default = this.options(defaults, material.clientCa);
    this.#exact = exact;
    this.#rsaShadowed = shadowed;
    this.#generation = material.generation;
    return true;
  }

  /** Names with an RSA and an ECDSA pair that are not the default's: only ECDSA is served. */
  get rsaShadowed(): readonly string[] {
    return this.#rsaShadowed;
  }

  /** The context for a client's SNI name; undefined: the server's own (the default pairs). */
  lookup(servername: string): SecureContext | undefined {
    const name = servername.toLowerCase();
    if (this.#exact.has(name)) return this.#exact.get(name);
    const dot = name.indexOf(".");
    return dot > 0 ? this.#exact.get(`*${name.slice(dot)}`) : undefined;
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

/** The names whose RSA pair is not served (see above): for the admin view. */
export function rsaShadowedNames(pairs: readonly ServedPair[]): string[] {
  const defaultIds = onePerKind(pairs.filter((pair) => pair.isDefault))
    .map((pair) => pair.id)
    .join("\n");
  return [...pairsByName(pairs)]
    .filter(([, list]) => list.length > 1 && list.map((pair) => pair.id).join("\n") !== defaultIds)
    .map(([name]) => name);
}

/** Every name's pairs, at most one per key type (the first listed wins), in the order listed. */
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
