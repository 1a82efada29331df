/**
 * The request path (DESIGN.md "Data flow"): authority → client facts → decide → forward with
 * retries → stream the response → metrics and access log. Everything it needs comes in the
 * context; it owns no state of its own.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { Dispatcher } from "undici";
import type { ClientLocation } from "../../routing-tables/client.ts";
import { tryOrder } from "../../routing-tables/decide.ts";
import type { ClientAddressHeader, TrustedProxies } from "../client-facts/trusted-proxies.ts";
import { GatewayError, toGatewayError } from "../errors/error-catalogue.ts";
import { sendProblem } from "../errors/problem-response.ts";
import { ClientGone } from "../forward/client-gone.ts";
import { downstreamResponseHeaders } from "../forward/headers.ts";
import { type Proxied, type ProxyContext, proxy } from "../forward/proxy.ts";
import { clientNetwork, pathKey } from "../forward/try-failure.ts";
import type { GatewayMetrics } from "../state/metrics.ts";
import type { RoutingState } from "../state/routing-state.ts";
import { decideRequest } from "./decide-request.ts";
import { forwardingHeaders, requestIdOf } from "./forwarding.ts";
import { capBody, planBody, readBody, tooLarge } from "./request-body.ts";

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
  readonly maxBodyBytes: number;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  readonly logRequests: boolean;
  readonly random: () => number;
  /** Forwarded header elements by peer, host and proto (a bounded memo: peers repeat). */
  readonly forwardedMemo: Map<string, string>;
}

export async function handleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  context: HandlerContext,
): Promise<void> {
  const started = performance.now();
  const peer = req.socket.remoteAddress ?? "";
  const peerTrusted = context.trusted.has(peer);
  const requestId = requestIdOf(req, peerTrusted);
  let site = "none";
  let code = "ok";
  let status = 0;
  let sitesTried: readonly string[] = [];
  // A request counts in the retry budget (and for the drain) from its head until its response
  // closes, flushed or not; closing before it finished means the client left: abort the
  // upstream work.
  const { budget } = context.proxy;
  budget.requestStarted();
  const gone = new ClientGone();
  res.once("close", () => {
    budget.requestFinished();
    if (!res.writableFinished) gone.leave();
  });
  try {
    const proxied = await route(req, context, peer, peerTrusted, requestId, gone);
    site = proxied.site;
    sitesTried = proxied.sitesTried;
    status = proxied.response.statusCode;
    if (!(await respond(res, proxied, context, requestId))) code = "client_closed";
  } catch (error) {
    if (gone.gone) {
      // Not a gateway failure: the client left (nginx logs these as 499).
      status = 499;
      code = "client_closed";
    } else {
      const failure = error instanceof GatewayError ? error : toGatewayError(error, sitesTried);
      code = failure.code;
      sitesTried = failure.sitesTried;
      const problem = { requestId, unknownHostStatus: context.unknownHostStatus, via: context.via };
      status = sendProblem(res, failure, problem);
    }
  } finally {
    const seconds = (performance.now() - started) / 1e3;
    context.metrics.request(site, status, code, seconds);
    if (context.logRequests) {
      context.logger.info(
        {
          reqId: requestId,
          method: req.method,
          host: req.headers.host,
          path: req.url,
          status,
          code,
          served: site,
          tried: sitesTried,
          ms: Math.round(seconds * 1e4) / 10,
        },
        "request",
      );
    }
  }
}

async function route(
  req: IncomingMessage,
  context: HandlerContext,
  peer: string,
  peerTrusted: boolean,
  requestId: string,
  gone: ClientGone,
): Promise<Proxied> {
  const decided = decideRequest(req, peer, context);
  if (!decided.ok) {
    const detail = decided.detail ?? blockedDetail(decided.code);
    throw new GatewayError(decided.code, detail, { cause: new Error(detail) });
  }
  const { decision } = decided;
  const retry = decision.plan.retry;
  if (!retry)
    throw new GatewayError("internal", "decision without a retry policy", {
      cause: new Error("no retry"),
    });
  const method = (req.method ?? "GET") as Dispatcher.HttpMethod;
  const body = planBody(req, context.maxBodyBytes, retry.maxReplayableBodyBytes);
  if (body.kind === "too-large") throw tooLarge(context.maxBodyBytes);
  const headers = forwardingHeaders(req, {
    peer,
    peerTrusted,
    clientAddress: decided.clientAddress,
    host: decided.host,
    requestId,
    via: context.via,
    forwardedMemo: context.forwardedMemo,
  });
  const upstreamBody =
    body.kind === "none"
      ? null
      : body.kind === "buffer"
        ? await readBody(req, body.length, context.maxBodyBytes)
        : capBody(req, context.maxBodyBytes);
  const request = { method, path: decided.path, headers, body: upstreamBody };
  const origin = decision.plan.passiveHealth && {
    client: clientNetwork(decided.clientAddress),
    path: pathKey(decided.path),
    policy: decision.plan.passiveHealth,
  };
  return proxy(tryOrder(decision), request, retry, context.proxy, gone, origin);
}

function respond(
  res: ServerResponse,
  proxied: Proxied,
  context: HandlerContext,
  requestId: string,
): Promise<boolean> {
  const extra: Record<string, string> = { "x-request-id": requestId };
  if (context.siteHeaders) {
    extra["x-gateway-ingress"] = context.ingress;
    extra["x-gateway-site"] = proxied.site;
  }
  const headers = downstreamResponseHeaders(proxied.response.headers, { via: context.via, extra });
  res.writeHead(proxied.response.statusCode, headers);
  return proxied.response.body.sendTo(res);
}

function blockedDetail(code: string): string {
  if (code === "unknown_host") return "no service of this gateway serves this host and path";
  if (code === "residency_blocked")
    return "no site the residency rule allows for this client can serve now";
  return "no site can serve this request now";
}
