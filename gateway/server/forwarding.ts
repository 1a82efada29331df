/**
 * What every forwarded request carries, plain or upgrade: its request id (a trusted proxy's,
 * when well formed, else a new one) and the rewritten forwarding headers.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { type OutgoingHeaders, upstreamRequestHeaders } from "../forward/headers.ts";

/** A request id a trusted proxy may hand us; anything else is replaced with our own. */
export const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdOf(req: IncomingMessage, peerTrusted: boolean): string {
  const offered = req.headers["x-request-id"];
  return peerTrusted && typeof offered === "string" && REQUEST_ID.test(offered)
    ? offered
    : randomUUID();
}

export interface Forwarding {
  readonly peer: string;
  readonly peerTrusted: boolean;
  readonly clientAddress: string;
  readonly host: string;
  readonly requestId: string;
  readonly via: string;
  readonly forwardedMemo?: Map<string, string>;
  /** How the client reached us: `https` over the TLS listener. Default `http`. */
  readonly proto?: "http" | "https";
}

/**
 * The upstream request's headers: hop-by-hop dropped, ours written, the request id set. The
 * upstream hop is HTTP/1.1: an HTTP/2 request's authority (`:authority`, a pseudo-header,
 * dropped) becomes its Host, and `te: trailers` — the one TE an HTTP/2 client may send — is
 * passed on when the client sent it, so a backend that answers with trailers (gRPC) does, and
 * they reach the client (undici hands them to forward-try.ts).
 */
export function forwardingHeaders(req: IncomingMessage, forwarding: Forwarding): OutgoingHeaders {
  const headers = upstreamRequestHeaders(req.headers, {
    peerAddress: forwarding.peer,
    peerTrusted: forwarding.peerTrusted,
    clientAddress: forwarding.clientAddress,
    proto: forwarding.proto ?? "http",
    host: forwarding.host,
    via: forwarding.via,
    ...(forwarding.forwardedMemo && { forwardedMemo: forwarding.forwardedMemo }),
  });
  headers["x-request-id"] = forwarding.requestId;
  if (headers.host === undefined) headers.host = forwarding.host;
  if (asksForTrailers(req.headers.te)) headers.te = "trailers";
  return headers;
}

/** Whether a TE header lists `trailers` (RFC 9110 §10.1.4). */
function asksForTrailers(te: string | string[] | undefined): boolean {
  if (te === undefined) return false;
  return (typeof te === "string" ? te : te.join(","))
    .split(",")
    .some((token) => token.split(";")[0]?.trim().toLowerCase() === "trailers");
}
