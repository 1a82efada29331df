/**
 * WebSocket upgrade requests (create-server.ts lets no other upgrade here): decided like any
 * request, forwarded through forward/websocket.ts to the first usable backend of the
 * decision's sites, and recorded like any request: one access-log line (`upgrade`) and one
 * `gateway_upgrades_total` series when the connection closes, under the request id the
 * backend got. Nothing an upgrade does can end the process: a fault is answered 500 with its
 * cause logged.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { tryOrder } from "../../routing-tables/decide.ts";
import { GatewayError, problemDetails, toGatewayError } from "../errors/error-catalogue.ts";
import { rawProblem } from "../errors/problem-response.ts";
import { pickBackend, type Upstreams } from "../forward/upstreams.ts";
import {
  createUpgradeProxy,
  type UpgradeSession,
  type UpgradeTarget,
} from "../forward/websocket.ts";
import { type Decided, decideRequest } from "./decide-request.ts";
import { forwardingHeaders, requestIdOf } from "./forwarding.ts";
import type { HandlerContext } from "./handle-request.ts";
import { headOf, logRecord, newRecord, type RequestRecord } from "./request-log.ts";

export function upgradeHandler(context: HandlerContext, upstreams: Upstreams) {
  const forward = createUpgradeProxy(upstreams.pool.connectTimeoutMs);
  /** Decides and forwards; a refusal is answered on the socket. */
  const start = (req: IncomingMessage, socket: Duplex, head: Buffer, record: RequestRecord) => {
    const peer = req.socket.remoteAddress;
    if (peer === undefined) {
      record.status = 499;
      record.code = "client_closed";
      socket.destroy();
      return;
    }
    const decided = decideRequest(req, peer, context);
    if (!decided.ok) {
      refuse(socket, record, context, refusalOf(decided));
      return;
    }
    record.client = decided.clientAddress;
    const backend = firstBackend(decided, upstreams, context.random);
    if (!backend) {
      refuse(socket, record, context, noBackend());
      return;
    }
    record.site = backend.site;
    const peerTrusted = context.trusted.has(peer);
    req.headers = upgradeHeaders(req, decided, record, peer, peerTrusted, context);
    req.url = decided.path;
    forward(req, socket, head, backend, session(decided, record, context));
  };
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on("error", () => socket.destroy());
    const record = track(req, socket, context);
    try {
      start(req, socket, head, record);
    } catch (error) {
      context.logger.error({ reqId: record.requestId, err: error }, "internal error (upgrade)");
      refuse(socket, record, context, toGatewayError(error));
    }
  };
}

/** The upgrade's record, logged and counted when its connection closes. */
function track(req: IncomingMessage, socket: Duplex, context: HandlerContext): RequestRecord {
  const peer = req.socket.remoteAddress;
  const peerTrusted = peer !== undefined && context.trusted.has(peer);
  const record = newRecord(requestIdOf(req, peerTrusted), peer);
  const head = headOf(req); // before its path and headers are rewritten for the backend
  context.metrics.upgradesActive.inc();
  socket.once("close", () => {
    context.metrics.upgradesActive.dec();
    logRecord(context, record, head, "upgrade");
    context.metrics.upgrade(record.site, record.status, record.code);
  });
  return record;
}

type Accepted = Extract<Decided, { ok: true }>;

function firstBackend(decided: Accepted, upstreams: Upstreams, random: () => number) {
  for (const candidate of tryOrder(decided.decision)) {
    const site = upstreams.site(candidate.site.id);
    const backend = site && !site.breaker.isOpen ? pickBackend(site.backends, random) : undefined;
    if (backend) {
      // A site with upstream TLS goes over TLS, or not at all (no material yet: refused).
      const tls: UpgradeTarget["tls"] = backend.tls === "" ? undefined : (site?.tls ?? "missing");
      return { site: candidate.site.id, address: backend.address, ...(tls && { tls }) };
    }
  }
  return undefined;
}

function upgradeHeaders(
  req: IncomingMessage,
  decided: Accepted,
  record: RequestRecord,
  peer: string,
  peerTrusted: boolean,
  context: HandlerContext,
): IncomingMessage["headers"] {
  const headers = forwardingHeaders(req, {
    peer,
    peerTrusted,
    clientAddress: decided.clientAddress,
    host: decided.host,
    requestId: record.requestId,
    via: context.via,
  });
  headers.connection = "upgrade";
  if (req.headers.upgrade) headers.upgrade = req.headers.upgrade;
  return headers as IncomingMessage["headers"];
}

function session(
  decided: Accepted,
  record: RequestRecord,
  context: HandlerContext,
): UpgradeSession {
  return {
    requestId: record.requestId,
    handshakeTimeoutMs: decided.decision.plan.retry?.perTryTimeoutMs ?? 15_000,
    idleTimeoutMs: context.limits.upgradeIdleTimeoutMs,
    answered: (status) => {
      record.status = status;
    },
    failed: (status, error) => {
      record.status = status;
      record.code = error.code;
      context.logger.warn({ reqId: record.requestId, err: error.cause ?? error }, "upgrade failed");
    },
    idle: () => {
      record.code = "idle_timeout";
    },
  };
}

function refusalOf(decided: Extract<Decided, { ok: false }>): GatewayError {
  const detail = decided.detail ?? "no site can take this upgrade now";
  return new GatewayError(decided.code, detail, { cause: new Error(detail) });
}

function noBackend(): GatewayError {
  return new GatewayError("no_usable_site", "no site can take this upgrade now", {
    cause: new Error("every candidate's breaker is open or it has no backend"),
  });
}

function refuse(
  socket: Duplex,
  record: RequestRecord,
  context: HandlerContext,
  failure: GatewayError,
): void {
  record.code = failure.code;
  record.sitesTried = failure.sitesTried;
  const answer = rawProblem(failure, {
    requestId: record.requestId,
    unknownHostStatus: context.unknownHostStatus,
  });
  record.status = problemDetails(failure, { unknownHostStatus: context.unknownHostStatus }).status;
  if (socket.writable) socket.end(answer);
  else socket.destroy();
}
