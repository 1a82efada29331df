/**
 * Header rewriting for the reverse proxy, both ways (RFC 9110 §7.6.1, RFC 7239). Pure: the
 * inputs are never mutated; the outputs are new objects with lower-case names.
 *
 * - Hop-by-hop headers, and every header the `Connection` header names, stop here. `TE`
 *   stops too, `TE: trailers` included: the upstream hop is HTTP/1.1 through undici, which
 *   does not pass response trailers back, so asking for them would promise what we drop.
 * - From an untrusted peer every forwarding header is ours alone (client values are
 *   forgeries); from a trusted peer (our own edge) its chain is kept and extended.
 */
import type { IncomingHttpHeaders } from "node:http";
import { isIPv6 } from "node:net";

export const HOP_BY_HOP: readonly string[] = Object.freeze([
  "connection",
  "proxy-connection",
  "keep-alive",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "proxy-authenticate",
  "proxy-authorization",
]);

/**
 * Forwarding headers other than the four we write, dropped from untrusted peers (the list
 * of Traefik's forwarded-headers middleware).
 */
const FORGEABLE = [
  "x-forwarded-port",
  "x-forwarded-server",
  "x-forwarded-uri",
  "x-forwarded-method",
  "x-forwarded-tls-client-cert",
  "x-forwarded-tls-client-cert-info",
  "x-real-ip",
];

export interface ForwardContext {
  /** The address of the socket's other end, as Node reports it. */
  readonly peerAddress: string;
  /** True when the peer is one of our own proxies, whose forwarding headers we believe. */
  readonly peerTrusted: boolean;
  /**
   * The client as resolved from a trusted chain. Not written into any header: each proxy
   * names its own peer (RFC 7239 §5.2), the client is already first in a trusted chain.
   */
  readonly clientAddress: string;
  readonly proto: "http" | "https";
  /** The Host the client asked for. */
  readonly host: string;
  /** Our Via entry, e.g. `1.1 gw-bue`. */
  readonly via: string;
}

export type OutgoingHeaders = Record<string, string | string[]>;

/**
 * Headers for the upstream request. `Expect` is dropped as well: Node's server has already
 * answered `100-continue` to the client, and undici refuses the header outright.
 */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  ctx: ForwardContext,
): OutgoingHeaders {
  const out = endToEnd(incoming);
  out.delete("expect");
  if (!ctx.peerTrusted) for (const name of FORGEABLE) out.delete(name);
  const peer = normaliseAddress(ctx.peerAddress);
  const kept = (name: string) => (ctx.peerTrusted ? nonEmpty(joined(out.get(name))) : undefined);
  const chain = (name: string, ours: string) => {
    const theirs = kept(name);
    out.set(name, theirs === undefined ? ours : `${theirs}, ${ours}`);
  };
  chain("x-forwarded-for", peer);
  out.set("x-forwarded-proto", kept("x-forwarded-proto") ?? ctx.proto);
  out.set("x-forwarded-host", kept("x-forwarded-host") ?? ctx.host);
  chain("forwarded", forwardedElement(peer, ctx.host, ctx.proto));
  out.set("via", appendVia(out.get("via"), ctx.via));
  return Object.fromEntries(out);
}

export interface DownstreamOptions {
  /** Our Via entry, e.g. `1.1 gw-bue`. */
  readonly via: string;
  /** Headers we add, replacing any the upstream sent, e.g. `x-gateway-site`. */
  readonly extra?: Readonly<Record<string, string>>;
}

/** Headers for the client from the upstream response. */
export function downstreamResponseHeaders(
  upstream: Readonly<Record<string, string | string[] | undefined>>,
  options: DownstreamOptions,
): OutgoingHeaders {
  const out = endToEnd(upstream);
  out.set("via", appendVia(out.get("via"), options.via));
  for (const [name, value] of Object.entries(options.extra ?? {}))
    out.set(name.toLowerCase(), value);
  return Object.fromEntries(out);
}

/**
 * The end-to-end headers as a Map (names lower-cased, values copied, and no `__proto__`
 * trap when turned back into an object with `Object.fromEntries`). HTTP/2 pseudo-headers
 * are dropped. `Host` is kept even when `Connection` names it: the upstream needs it.
 */
function endToEnd(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): Map<string, string | string[]> {
  const listed = connectionTokens(headers.connection);
  const out = new Map<string, string | string[]>();
  for (const [rawName, value] of Object.entries(headers)) {
    const name = rawName.toLowerCase();
    if (value === undefined || name.startsWith(":") || HOP_BY_HOP.includes(name)) continue;
    if (listed.has(name) && name !== "host") continue;
    const copy = typeof value === "string" ? value : [...value];
    const earlier = out.get(name);
    out.set(name, earlier === undefined ? copy : [earlier, copy].flat());
  }
  return out;
}

/** The header names listed in `Connection` (a comma list, possibly repeated), lower-cased. */
function connectionTokens(value: string | string[] | undefined): Set<string> {
  const tokens = new Set<string>();
  for (const token of (joined(value) ?? "").split(",")) {
    const name = token.trim().toLowerCase();
    if (name !== "") tokens.add(name);
  }
  return tokens;
}

function joined(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === "string" ? value : value.join(", ");
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}

function appendVia(existing: string | string[] | undefined, ours: string): string {
  const theirs = nonEmpty(joined(existing));
  return theirs === undefined ? ours : `${theirs}, ${ours}`;
}

/** `::ffff:192.0.2.1` (an IPv4 client on a dual-stack socket) → `192.0.2.1`; "" → `unknown`. */
function normaliseAddress(address: string): string {
  if (address === "") return "unknown";
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped?.[1] ?? address;
}

/** One RFC 7239 element; an IPv6 node is bracketed and quoted (§6). */
function forwardedElement(peer: string, host: string, proto: string): string {
  const node = isIPv6(peer) ? `"[${peer}]"` : tokenOrQuoted(peer);
  return `for=${node};host=${tokenOrQuoted(host)};proto=${tokenOrQuoted(proto)}`;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A value as an RFC 7230 token when it is one, else as a quoted-string. */
function tokenOrQuoted(value: string): string {
  return TOKEN.test(value) ? value : `"${value.replace(/["\\]/g, "\\$&")}"`;
}
