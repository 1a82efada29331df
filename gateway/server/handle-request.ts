/**
 * The request path (DESIGN.md "Data flow"): method, authority and canonical path → client
 * facts → decide → forward with retries → stream the response → metrics and access log.
 * Everything it needs comes in the context; it owns no state of its own.
 *
 * Whatever a request does, it cannot end the process: a failure no code expects is answered
 * 500 `internal` with its cause logged, and a fault in this module itself is logged and the
 * connection cut (`handleRequest` never rejects).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Transform } from "node:stream";
import type { Logger } from "pino";
import type { Dispatcher } from "undici";
import type { ClientLocation } from "../../routing-tables/client.ts";
import { type Decision, tryOrder } from "../../routing-tables/decide.ts";
import { servedElsewhereReason } from "../../routing-tables/served-elsewhere.ts";
import type { ClientAddressHeader, TrustedProxies } from "../client-facts/trusted-proxies.ts";
import type { Limits } from "../config/limits-schema.ts";
import { GatewayError, toGatewayError } from "../errors/error-catalogue.ts";
import { sendProblem } from "../errors/problem-response.ts";
import { ClientGone } from "../forward/client-gone.ts";
import { downstreamResponseHeaders } from "../forward/headers.ts";
import { type Proxied, type ProxyContext, proxy } from "../forward/proxy.ts";
import { clientNetwork, pathKey } from "../forward/try-failure.ts";
import type { SendResult } from "../forward/upstream-body.ts";
import type { GatewayMetrics } from "../state/metrics.ts";
import type { RoutingState } from "../state/routing-state.ts";
import type { AccessLog } from "./access-log.ts";
import { BodyWatch } from "./body-watch.ts";
import { type ConnectionFacts, connectionFacts, isHttp2 } from "./connection-facts.ts";
import { decideRequest } from "./decide-request.ts";
import { forwardingHeaders, requestIdOf } from "./forwarding.ts";
import { lingerOnClose } from "./lingering-close.ts";
import type { PathRules } from "./normalize-path.ts";
import { type BodyPlan, capBody, planBody, readBody, tooLarge } from "./request-body.ts";
import {
  headOf,
  logRecord,
  newRecord,
  type RequestHead,
  type RequestRecord,
} from "./request-log.ts";
import { upgradeKind } from "./upgrade-kind.ts";

export interface HandlerContext {
  readonly ingress: string;
  /** This gateway's Via entry, e.g. "1.1 gw-bue". */
  readonly via: string;
  readonly state: RoutingState;
  readonly proxy: ProxyContext;
  readonly locate: (address: string) => ClientLocation;
  readonly trusted: TrustedProxies;
  readonly clientAddressHeader: ClientAddressHeader;
  readonly unknownHostStatus: 421 | 404;
  readonly siteHeaders: boolean;
  readonly limits: Limits;
  readonly paths: PathRules;
  readonly allowTrace: boolean;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  readonly logRequests: boolean;
  /** Access lines, batched into the logger's destination (access-log.ts). */
  readonly accessLog?: AccessLog;
  readonly random: () => number;
  /** Forwarded header elements by peer, host and proto (a bounded memo: peers repeat). */
  readonly forwardedMemo: Map<string, string>;
}

export function handleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  context: HandlerContext,
): Promise<void> {
  return serve(req, res, context).catch((error: unknown) => {
    context.logger.error({ err: error, path: req.url }, "request handler fault; connection cut");
    res.destroy();
  });
}

/** Per request: its record, whether the client left, and the body watch once reading. */
interface Exchange {
  readonly record: RequestRecord;
  /** As the client sent it, read before anything is answered (an h2 stream forgets it). */
  readonly head: RequestHead;
  readonly connection: ConnectionFacts;
  readonly gone: ClientGone;
  watch?: BodyWatch;
  /** Once decided: what the served site is measured against (served elsewhere, and why). */
  decision?: Decision;
  /** The service's Strict-Transport-Security, for an answer over HTTPS. */
  hsts?: string;
}

async function serve(req: IncomingMessage, res: ServerResponse, context: HandlerContext) {
  // undefined: the connection was reset before its request could be looked at.
  const peer = req.socket.remoteAddress;
  const peerTrusted = peer !== undefined && context.trusted.has(peer);
  const connection = connectionFacts(req);
  const exchange: Exchange = {
    record: newRecord(requestIdOf(req, peerTrusted), peer),
    head: headOf(req, connection),
    connection,
    gone: new ClientGone(),
  };
  const { record, gone } = exchange;
  // A request counts in the retry budget (and for the drain) from its head until its response
  // closes, flushed or not; closing before it finished means the client left: abort the
  // upstream work.
  const { budget } = context.proxy;
  budget.requestStarted();
  res.once("close", () => {
    budget.requestFinished();
    if (!res.writableFinished) gone.leave();
  });
  try {
    if (peer === undefined) {
      gone.leave(new Error("connection reset before the request was read"));
      throw gone.reason;
    }
    const proxied = await route(req, res, context, peer, peerTrusted, exchange);
    record.site = proxied.site;
    record.sitesTried = proxied.sitesTried;
    const elsewhere =
      exchange.decision &&
      servedElsewhereReason(
        exchange.decision,
        context.ingress,
        proxied.site,
        proxied.sitesTried[0],
      );
    if (elsewhere) context.metrics.servedElsewhere(record.service, elsewhere);
    record.status = proxied.response.statusCode;
    record.code = codeOf(await respond(res, proxied, context, exchange), exchange, context);
  } catch (error) {
    fail(req, res, context, exchange, error);
  } finally {
    exchange.watch?.stop();
    const seconds = logRecord(context, record, exchange.head, "request");
    context.metrics.request(record.site, record.status, record.code, record.service, seconds);
  }
}

/** A failure before the response head: answered with a problem, or 499 when the client left. */
function fail(
  req: IncomingMessage,
  res: ServerResponse,
  context: HandlerContext,
  { record, gone, watch }: Exchange,
  error: unknown,
): void {
  if (gone.gone && !watch?.expired) {
    // Not a gateway failure: the client left (nginx logs these as 499).
    record.status = 499;
    record.code = "client_closed";
    return;
  }
  const failure = watch?.expired ?? toGatewayError(error, record.sitesTried);
  record.code = failure.code;
  record.sitesTried = failure.sitesTried;
  if (failure.code === "internal")
    context.logger.error({ reqId: record.requestId, err: failure.cause }, "internal error");
  // Answered before the request was read whole: read and discard the rest, then close. An
  // HTTP/2 answer ends its own stream only (Node resets the unread rest with NO_ERROR).
  if (!req.complete && !isHttp2(req)) lingerOnClose(req, context.limits);
  const problem = { requestId: record.requestId, unknownHostStatus: context.unknownHostStatus };
  record.status = sendProblem(res, failure, { ...problem, via: context.via });
}

async function route(
  req: IncomingMessage,
  res: ServerResponse,
  context: HandlerContext,
  peer: string,
  peerTrusted: boolean,
  exchange: Exchange,
): Promise<Proxied> {
  const upgrade = upgradeKind(req);
  if (upgrade === "other") throw refusal("upgrade_not_supported", UPGRADE_DETAIL);
  const decided = decideRequest(req, peer, context);
  if (!decided.ok) throw refusal(decided.code, decided.detail ?? blockedDetail(decided.code));
  exchange.record.client = decided.clientAddress;
  const { decision } = decided;
  exchange.decision = decision;
  exchange.record.service = decision.plan.service || "none";
  const { connection } = exchange;
  if (decision.plan.clientCertificate === "required" && !connection.clientCertVerified)
    throw refusal("client_certificate_required", CLIENT_CERT_DETAIL);
  if (connection.proto === "https" && decision.plan.hsts) exchange.hsts = decision.plan.hsts;
  const retry = decision.plan.retry;
  if (!retry) throw refusal("internal", "decision without a retry policy");
  const { limits } = context;
  const body = planBody(req, limits.maxBodyBytes, retry.maxReplayableBodyBytes);
  if (body.kind === "too-large") throw tooLarge(limits.maxBodyBytes);
  const headers = forwardingHeaders(req, {
    peer,
    peerTrusted,
    clientAddress: decided.clientAddress,
    host: decided.host,
    requestId: exchange.record.requestId,
    via: context.via,
    forwardedMemo: context.forwardedMemo,
    proto: connection.proto,
  });
  // h2c is served as HTTP/1.1: Upgrade and Connection are hop-by-hop already.
  if (upgrade === "h2c") delete headers["http2-settings"];
  const method = (req.method ?? "GET") as Dispatcher.HttpMethod;
  const upstreamBody = await requestBody(req, res, body, limits, exchange);
  const request = { method, path: decided.path, headers, body: upstreamBody };
  const origin = decision.plan.passiveHealth && {
    client: clientNetwork(decided.clientAddress),
    path: pathKey(decided.path),
    policy: decision.plan.passiveHealth,
  };
  return proxy(tryOrder(decision), request, retry, context.proxy, exchange.gone, origin);
}

/** The body to send upstream, read under the body watch's deadlines. */
async function requestBody(
  req: IncomingMessage,
  res: ServerResponse,
  body: Exclude<BodyPlan, { kind: "too-large" }>,
  limits: Limits,
  exchange: Exchange,
): Promise<Buffer | Transform | null> {
  if (body.kind === "none") return null;
  // The client waits for this before sending a body it announced with Expect: 100-continue.
  if (req.headers.expect !== undefined) res.writeContinue();
  const watch = new BodyWatch(req, limits, exchange.record.started, () => performance.now());
  exchange.watch = watch;
  req.once("end", () => watch.stop());
  return body.kind === "buffer"
    ? readBody(req, body.length, limits.maxBodyBytes, watch)
    : capBody(req, limits.maxBodyBytes, watch);
}

function respond(
  res: ServerResponse,
  proxied: Proxied,
  context: HandlerContext,
  exchange: Exchange,
): Promise<SendResult> {
  const extra: Record<string, string> = { "x-request-id": exchange.record.requestId };
  if (exchange.hsts) extra["strict-transport-security"] = exchange.hsts;
  if (context.siteHeaders) {
    extra["x-gateway-ingress"] = context.ingress;
    extra["x-gateway-site"] = proxied.site;
  }
  const headers = downstreamResponseHeaders(proxied.response.headers, { via: context.via, extra });
  res.writeHead(proxied.response.statusCode, headers);
  return proxied.response.body.sendTo(res, context.limits.sendTimeoutMs);
}

/** The log code of a response whose head went out, by how its body ended. */
function codeOf(
  sent: SendResult,
  exchange: Exchange,
  context: HandlerContext,
): RequestRecord["code"] {
  if (sent.kind === "sent") return "ok";
  if (sent.kind === "client-gone") return "client_closed";
  if (sent.kind === "send-timeout") return "send_timeout";
  if (exchange.watch?.expired) return exchange.watch.expired.code;
  const failure = toGatewayError(sent.error);
  if (failure.code === "body_too_large") return failure.code;
  context.logger.warn(
    { reqId: exchange.record.requestId, err: sent.error, served: exchange.record.site },
    "upstream failed mid-response",
  );
  return failure.code;
}

function refusal(code: GatewayError["code"], detail: string): GatewayError {
  return new GatewayError(code, detail, { cause: new Error(detail) });
}

const UPGRADE_DETAIL = "only WebSocket upgrades are proxied (h2c is served as HTTP/1.1)";
const CLIENT_CERT_DETAIL = "this service needs a client certificate its CA verifies (mTLS)";

function blockedDetail(code: string): string {
  if (code === "unknown_host") return "no service of this gateway serves this host and path";
  if (code === "residency_blocked")
    return "no site the residency rule allows for this client can serve now";
  return "no site can serve this request now";
}
