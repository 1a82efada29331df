/**
 * What is recorded of each request, plain or upgrade: one metric series and, when
 * `log.requests` is on, one access-log line, both under the request id the client got.
 * `code` is the catalogue's code of a failure, `ok`, or one of the log-only codes below.
 */
import type { IncomingMessage } from "node:http";
import type { Logger } from "pino";
import type { ErrorCode } from "../errors/error-catalogue.ts";
import { connectionFacts } from "./connection-facts.ts";

/** Codes that name how an exchange ended without an answer of the gateway's own. */
export type LogOnlyCode =
  /** The client left before the exchange ended (nginx logs these as 499). */
  | "client_closed"
  /** The client left the response unread for sendTimeoutMs: the connection was cut. */
  | "send_timeout"
  /** An upgraded connection was silent both ways for upgradeIdleTimeoutMs: it was closed. */
  | "idle_timeout"
  /** A plain request answered 308 to https:// (tls.plainHttp: redirect). */
  | "https_redirect";

export interface RequestRecord {
  readonly requestId: string;
  readonly started: number;
  /** The client as resolved (trusted proxies), else the socket peer, else "unknown". */
  client: string;
  site: string;
  status: number;
  code: ErrorCode | "ok" | LogOnlyCode;
  sitesTried: readonly string[];
}

export function newRecord(requestId: string, peer: string | undefined): RequestRecord {
  return {
    requestId,
    started: performance.now(),
    client: peer ?? "unknown",
    site: "none",
    status: 0,
    code: "ok",
    sitesTried: [],
  };
}

/** The request as the client sent it (path as written, before normalisation). */
export interface RequestHead {
  readonly method: string | undefined;
  /** Host, or an HTTP/2 request's `:authority`. */
  readonly host: string | undefined;
  readonly url: string | undefined;
  /** Over TLS: the protocol version and the ALPN protocol (`h2`, `http/1.1`). */
  readonly tls?: string;
  readonly alpn?: string;
}

export function headOf(req: IncomingMessage, facts = connectionFacts(req)): RequestHead {
  const authority = req.headers[":authority"];
  const { tls, alpn } = facts;
  return {
    method: req.method,
    host: req.headers.host ?? (typeof authority === "string" ? authority : undefined),
    url: req.url,
    ...(tls && { tls }),
    ...(alpn && { alpn }),
  };
}

export interface RecordSinks {
  readonly logger: Logger;
  readonly logRequests: boolean;
}

/** The access-log line; `kind` tells a request from an upgrade (WebSocket). */
export function logRecord(
  sinks: RecordSinks,
  record: RequestRecord,
  head: RequestHead,
  kind: "request" | "upgrade",
): number {
  const seconds = (performance.now() - record.started) / 1e3;
  if (sinks.logRequests) {
    sinks.logger.info(
      {
        reqId: record.requestId,
        client: record.client,
        method: head.method,
        host: head.host,
        path: head.url,
        ...(head.tls && { tls: head.tls, alpn: head.alpn ?? "none" }),
        status: record.status,
        code: record.code,
        served: record.site,
        tried: record.sitesTried,
        ms: Math.round(seconds * 1e4) / 10,
      },
      kind,
    );
  }
  return seconds;
}
