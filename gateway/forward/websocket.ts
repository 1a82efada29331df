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
 *
 * A backend of a site with upstream TLS is reached over TLS with the site's material (an
 * https.Agent per material: CA, client pair, the name checked), its certificate verified;
 * without material the upgrade is refused 502 `upstream_tls`, never sent in the clear.
 */
import type { ClientRequest, IncomingMessage } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { createProxyServer } from "http-proxy-3";
import { GatewayError, toGatewayError } from "../errors/error-catalogue.ts";
import { rawProblem } from "../errors/problem-response.ts";
import { serverNameFor, type UpstreamTlsOptions } from "./upstream-tls-connect.ts";

/** Where an upgrade goes: a backend's address, and its site's TLS when it has upstream TLS. */
export interface UpgradeTarget {
  readonly address: string;
  /** The site's material; "missing" while a TLS site has none (refused). */
  readonly tls?: UpstreamTlsOptions | "missing";
}

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
  backend: UpgradeTarget,
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
  const agents = new WeakMap<UpstreamTlsOptions, HttpsAgent>();
  const agentFor = (address: string, tls: UpstreamTlsOptions) => {
    let agent = agents.get(tls);
    if (!agent) {
      const servername = serverNameFor(address, tls);
      agent = new HttpsAgent({
        rejectUnauthorized: true,
        // No name: an address, checked against the certificate's IP SANs (no SNI sent).
        servername: servername ?? "",
        ...(tls.ca && { ca: tls.ca }),
        ...(tls.cert && tls.key && { cert: tls.cert, key: tls.key }),
      });
      agents.set(tls, agent);
    }
    return agent;
  };
  return (req, socket, head, backend, session) => {
    sessions.set(req, session);
    const { address, tls } = backend;
    if (tls === "missing") {
      const error = new GatewayError("upstream_tls", "no TLS material for this site yet", {
        cause: new Error(`no upstream TLS material for ${address}`),
      });
      proxy.emit("error", error, req, socket as Socket);
      return;
    }
    if (!tls) return void proxy.ws(req, socket, head, { target: `http://${address}` });
    proxy.ws(req, socket, head, {
      target: `https://${address}`,
      agent: agentFor(address, tls),
      secure: true,
    });
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
