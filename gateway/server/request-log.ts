/**
 * What is recorded of each request, plain or upgrade: one metric series and, when
 * `log.requests` is on, one access-log line, both under the request id the client got.
 * `code` is the catalogue's code of a failure, `ok`, or one of the log-only codes below.
 */
import type { IncomingMessage } from "node:http";
import type { Logger } from "pino";
import type { ErrorCode } from "../errors/error-catalogue.ts";
import type { AccessLog } from "./access-log.ts";
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
  /** The service the request was decided for, or "none" (refused before a decision). */
  service: string;
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
    service: "none",
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
  /** The batched writer of access lines (access-log.ts); without one, pino writes each line. */
  readonly accessLog?: AccessLog;
}

/**
 * The access-log line; `kind` tells a request from an upgrade (WebSocket). With an AccessLog
 * the line is built here as one string and batched into the logger's destination: pino's object
 * serialisation and one write per line were the largest single item of the request path's own
 * CPU. The line is what `logger.info(fields, kind)` would write — the logger's level, time and
 * bindings (site, worker) — and every text that came from a client goes through JSON.stringify,
 * so no byte a client sends can break or add a line.
 */
export function logRecord(
  sinks: RecordSinks,
  record: RequestRecord,
  head: RequestHead,
  kind: "request" | "upgrade",
): number {
  const seconds = (performance.now() - record.started) / 1e3;
  if (!sinks.logRequests) return seconds;
  const { accessLog } = sinks;
  if (accessLog === undefined) sinks.logger.info(accessLogFields(record, head, seconds), kind);
  else if (accessLog.enabled)
    accessLog.append(accessLogLine(record, head, kind, seconds, accessLog.prefix()));
  return seconds;
}

/** The line's fields, as an object (the fallback path, and what tests read back). */
export function accessLogFields(record: RequestRecord, head: RequestHead, seconds: number) {
  return {
    reqId: record.requestId,
    client: record.client,
    method: head.method,
    host: head.host,
    path: head.url,
    ...(head.tls && { tls: head.tls, alpn: head.alpn ?? "none" }),
    status: record.status,
    code: record.code,
    service: record.service,
    served: record.site,
    tried: record.sitesTried,
    ms: Math.round(seconds * 1e4) / 10,
  };
}

const text = (value: string | undefined) => (value === undefined ? "null" : JSON.stringify(value));

/**
 * One JSON line (with its newline) in pino's shape: `{"level":30<time and bindings>, the
 * fields, "msg":kind}`. `timeAndBindings` is pino's `,"time":…` followed by its bindings.
 * Fields a pino line would leave out when undefined (method, host, path) are left out too.
 */
export function accessLogLine(
  record: RequestRecord,
  head: RequestHead,
  kind: string,
  seconds: number,
  timeAndBindings: string,
): string {
  const optional =
    (head.method === undefined ? "" : `,"method":${text(head.method)}`) +
    (head.host === undefined ? "" : `,"host":${text(head.host)}`) +
    (head.url === undefined ? "" : `,"path":${text(head.url)}`) +
    (head.tls ? `,"tls":${text(head.tls)},"alpn":${text(head.alpn ?? "none")}` : "");
  const tried = record.sitesTried.length === 0 ? "[]" : JSON.stringify(record.sitesTried);
  return (
    `{"level":30${timeAndBindings},"reqId":${text(record.requestId)},"client":${text(record.client)}` +
    `${optional},"status":${record.status},"code":${text(record.code)},"service":${text(record.service)}` +
    `,"served":${text(record.site)},"tried":${tried},"ms":${Math.round(seconds * 1e4) / 10}` +
    `,"msg":${text(kind)}}\n`
  );
}
