/**
 * WebSocket upgrades through http-proxy-3 (undici does not do upgrades): the one file that
 * knows it. The site and backend are chosen by the caller; there is no retry once bytes have
 * flowed. Each upgrade is bounded three ways: the TCP connect (`connectTimeoutMs`), the
 * backend's answer to the upgrade request (`handshakeTimeoutMs`: a backend that accepts the
 * connection and never answers is cut), and silence once switched (`idleTimeoutMs`: no byte
 * either way, as Envoy's stream idle timeout). A failure before the switch is answered with a
 * problem on the raw socket, under the request's id.
 *
 * The session hears how the upgrade went, once per event: `answered` with 101 (switched) or
 * the backend's own status, `failed` with the problem sent, `idle` when silence closed it.
 */
import type { ClientRequest, IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { createProxyServer } from "http-proxy-3";
import { GatewayError, toGatewayError } from "../errors/error-catalogue.ts";
import { rawProblem } from "../errors/problem-response.ts";

export interface UpgradeSession {
  readonly requestId: string;
  readonly handshakeTimeoutMs: number;
  readonly idleTimeoutMs: number;
  answered(status: number): void;
  failed(status: number, error: GatewayError): void;
  idle(): void;
}

export type ForwardUpgrade = (
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  backendAddress: string,
  session: UpgradeSession,
) => void;

export function createUpgradeProxy(connectTimeoutMs: number): ForwardUpgrade {
  // toProxy: the path goes upstream exactly as routed (already canonical), not re-parsed.
  const proxy = createProxyServer({
    xfwd: false,
    ws: true,
    toProxy: true,
    connectTimeout: connectTimeoutMs,
  });
  const sessions = new WeakMap<IncomingMessage, UpgradeSession>();
  proxy.on("proxyReqWs", (proxyReq: ClientRequest, req: IncomingMessage, socket: Duplex) => {
    const session = sessions.get(req);
    if (session) watchHandshake(proxyReq, socket as Socket, session);
  });
  proxy.on("error", (error: Error, req: IncomingMessage, target: unknown) => {
    const session = sessions.get(req);
    const socket = target as Duplex | undefined;
    if (!session || !socket || !("writable" in socket)) return;
    sessions.delete(req); // once: a late error after the answer changes nothing
    const failure = toGatewayError(error);
    const written = (socket as Socket).bytesWritten ?? 0;
    if (socket.writable && written === 0)
      socket.end(rawProblem(failure, { requestId: session.requestId }));
    session.failed(failure.status, failure);
  });
  return (req, socket, head, backendAddress, session) => {
    sessions.set(req, session);
    proxy.ws(req, socket, head, { target: `http://${backendAddress}` });
  };
}

/** Bounds the wait for the backend's answer; once switched, bounds the silence. */
function watchHandshake(proxyReq: ClientRequest, socket: Socket, session: UpgradeSession): void {
  const timer = setTimeout(() => {
    const error = new GatewayError("upstream_timeout", "the backend did not answer the upgrade", {
      cause: Object.assign(new Error("upgrade handshake timeout"), { name: "TimeoutError" }),
    });
    proxyReq.destroy(error);
  }, session.handshakeTimeoutMs);
  timer.unref();
  proxyReq.once("close", () => clearTimeout(timer));
  proxyReq.once("response", (res: IncomingMessage) => {
    clearTimeout(timer);
    session.answered(res.statusCode ?? 502);
  });
  proxyReq.once("upgrade", () => {
    clearTimeout(timer);
    session.answered(101);
    socket.setTimeout(session.idleTimeoutMs, () => {
      session.idle();
      socket.destroy();
    });
  });
}
