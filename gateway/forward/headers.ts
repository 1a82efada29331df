/**
 * Header rewriting for the reverse proxy, both ways (RFC 9110 §7.6.1, RFC 7239). Pure: the
 * inputs are never mutated; the outputs are new objects with lower-case names.
 *
 * - Hop-by-hop headers, and every header the `Connection` header names, stop here. `TE`
 *   stops too; the request path puts back `te: trailers` alone when the client asked for
 *   trailers (server/forwarding.ts), as they are passed back (undici's dispatch hands them
 *   over at the end of the body).
 * - From an untrusted peer every forwarding header is ours alone (client values are
 *   forgeries); from a trusted peer (our own edge) its chain is kept and extended.
 */
import type { IncomingHttpHeaders } from "node:http";
import { isIPv6 } from "node:net";
import { normalizeAddress } from "../client-facts/trusted-proxies.ts";

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
 * Headers that name the client or its connection and that the gateway does not write: from an
 * untrusted peer each is a forgery a backend might believe (an allow-list by address, a rate
 * limit, a log), so each is dropped. The forwarding headers of Traefik's forwarded-headers
 * middleware, then the client-address family that CDNs, load balancers and libraries read
 * (the `request-ip` npm package's list, Envoy's and Azure's, and the non-standard variants).
 */
export const FORGEABLE: readonly string[] = Object.freeze([
  "x-forwarded-port",
  "x-forwarded-server",
  "x-forwarded-uri",
  "x-forwarded-method",
  "x-forwarded-tls-client-cert",
  "x-forwarded-tls-client-cert-info",
  "x-forwarded",
  "forwarded-for",
  "x-original-forwarded-for",
  "x-real-ip",
  "true-client-ip",
  "cf-connecting-ip",
  "cf-connecting-ipv6",
  "cf-pseudo-ipv4",
  "fastly-client-ip",
  "x-client-ip",
  "x-cluster-client-ip",
  "client-ip",
  "x-appengine-user-ip",
  "do-connecting-ip",
  "x-azure-clientip",
  "x-azure-socketip",
  "x-envoy-external-address",
  "x-forwarded-client-cert",
  "x-proxyuser-ip",
  "x-originating-ip",
  "x-remote-ip",
  "x-remote-addr",
]);

const FORGEABLE_SET: ReadonlySet<string> = new Set(FORGEABLE);

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
  /** The caller's memo of Forwarded elements by peer, host and proto (they repeat). */
  readonly forwardedMemo?: Map<string, string>;
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
  delete out.expect;
  if (!ctx.peerTrusted) for (const name in out) if (FORGEABLE_SET.has(name)) delete out[name];
  // `::ffff:192.0.2.1` (an IPv4 client on a dual-stack socket) is written as `192.0.2.1`; a
  // peer whose address is gone ("") as RFC 7239's `unknown`.
  const peer = normalizeAddress(ctx.peerAddress) ?? "unknown";
  const kept = (name: string) => (ctx.peerTrusted ? nonEmpty(joined(out[name])) : undefined);
  const chain = (name: string, ours: string) => {
    const theirs = kept(name);
    out[name] = theirs === undefined ? ours : `${theirs}, ${ours}`;
  };
  chain("x-forwarded-for", peer);
  out["x-forwarded-proto"] = kept("x-forwarded-proto") ?? ctx.proto;
  out["x-forwarded-host"] = kept("x-forwarded-host") ?? ctx.host;
  chain("forwarded", forwardedElement(peer, ctx.host, ctx.proto, ctx.forwardedMemo));
  out.via = appendVia(out.via, ctx.via);
  return out;
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
  out.via = appendVia(out.via, options.via);
  if (options.extra)
    for (const name of Object.keys(options.extra))
      out[name.toLowerCase()] = options.extra[name] as string;
  return out;
}

const HOP_BY_HOP_SET: ReadonlySet<string> = new Set(HOP_BY_HOP);

/**
 * The end-to-end headers, in one pass, as an object without a prototype (so a header named
 * `__proto__` is just a header): names lower-cased, arrays copied, HTTP/2 pseudo-headers
 * dropped. `Host` is kept even when `Connection` names it: the upstream needs it. `Expect` is
 * kept: a caller sending a request through undici deletes it. This runs twice per request, so
 * it allocates nothing but the result.
 */
export function endToEnd(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): OutgoingHeaders {
  const connection = headers.connection;
  const listed = connection === undefined ? undefined : connectionTokens(connection);
  const out: OutgoingHeaders = Object.create(null);
  for (const rawName of Object.keys(headers)) {
    const value = headers[rawName];
    if (value === undefined) continue;
    const name = rawName.toLowerCase();
    if (name.charCodeAt(0) === 58 || HOP_BY_HOP_SET.has(name)) continue; // 58 is ":"
    if (listed?.has(name) && name !== "host") continue;
    const copy = typeof value === "string" ? value : [...value];
    const earlier = out[name];
    out[name] = earlier === undefined ? copy : [earlier, copy].flat();
  }
  return out;
}

const NONE: ReadonlySet<string> = new Set();

/** The header names listed in `Connection` (a comma list, possibly repeated), lower-cased. */
function connectionTokens(value: string | string[] | undefined): ReadonlySet<string> {
  // Nearly every message says just keep-alive or close, which name no other header.
  if (value === "keep-alive" || value === "close" || value === "Keep-Alive") return NONE;
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

/** One RFC 7239 element; an IPv6 node is bracketed and quoted (§6). */
function forwardedElement(
  peer: string,
  host: string,
  proto: string,
  memo?: Map<string, string>,
): string {
  const key = `${peer} ${host} ${proto}`;
  let element = memo?.get(key);
  if (element === undefined) {
    const node = isIPv6(peer) ? `"[${peer}]"` : tokenOrQuoted(peer);
    element = `for=${node};host=${tokenOrQuoted(host)};proto=${tokenOrQuoted(proto)}`;
    if (memo && memo.size >= 10_000) memo.clear();
    memo?.set(key, element);
  }
  return element;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** A value as an RFC 7230 token when it is one, else as a quoted-string. */
function tokenOrQuoted(value: string): string {
  return TOKEN.test(value) ? value : `"${value.replace(/["\\]/g, "\\$&")}"`;
}
