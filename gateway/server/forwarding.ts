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
}

/** The upstream request's headers: hop-by-hop dropped, ours written, the request id set. */
export function forwardingHeaders(req: IncomingMessage, forwarding: Forwarding): OutgoingHeaders {
  const headers = upstreamRequestHeaders(req.headers, {
    peerAddress: forwarding.peer,
    peerTrusted: forwarding.peerTrusted,
    clientAddress: forwarding.clientAddress,
    proto: "http",
    host: forwarding.host,
    via: forwarding.via,
    ...(forwarding.forwardedMemo && { forwardedMemo: forwarding.forwardedMemo }),
  });
  headers["x-request-id"] = forwarding.requestId;
  return headers;
}
