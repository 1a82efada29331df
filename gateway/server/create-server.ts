/**
 * The gateway's node:http server with its limits. Node checks the header and request
 * deadlines only every `connectionsCheckingInterval` (30 s by default), so a slowloris that
 * trickles its head byte by byte could outlive a 10 s deadline by 30 s: the interval here is
 * a fraction of the deadline, so the deadline holds to within that fraction. The strict
 * parser is kept (no insecureHTTPParser): CL+TE, obs-fold, bare CR and the like are refused.
 *
 * - At most `maxConnections` client connections (HAProxy `maxconn`): Node closes the ones
 *   over it as they are accepted and tells `onRefused`; the admin server is another server,
 *   so it stays usable when this one is full.
 * - Only a WebSocket upgrade leaves the request path (`shouldUpgradeCallback`): any other
 *   Upgrade (h2c, …) arrives as a plain request, which handle-request.ts serves or refuses.
 * - `Expect: 100-continue` reaches the request handler without Node's automatic 100, so a
 *   request refused on its head (413 for a declared length over the cap, 421, …) is answered
 *   before the client sends its body; the handler writes the 100 when it starts reading.
 * - Parser errors are answered on the raw socket, which then lingers (lingering-close.ts).
 *   The request deadline Node enforces is set past `requestTimeoutMs` so that the body
 *   watch's 408 (with the request's own id) comes first.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Limits } from "../config/limits-schema.ts";
import { type ErrorCode, GatewayError } from "../errors/error-catalogue.ts";
import { rawProblem } from "../errors/problem-response.ts";
import { isLingering, linger } from "./lingering-close.ts";
import { isWebSocketUpgrade } from "./upgrade-kind.ts";

export type ServerLimits = Pick<
  Limits,
  | "maxHeaderBytes"
  | "headersTimeoutMs"
  | "requestTimeoutMs"
  | "keepAliveTimeoutMs"
  | "maxConnections"
  | "lingeringTimeMs"
  | "lingeringBytes"
>;

export interface ServerHandlers {
  readonly request: (req: IncomingMessage, res: ServerResponse) => void;
  readonly upgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Told of each connection closed at accept because `maxConnections` were open. */
  readonly refused?: () => void;
}

/**
 * node:http's parser limits and deadlines from the boot's limits (the plain listener's, and the
 * TLS listener's for HTTP/1.1): the deadline check runs at a tenth of the head deadline.
 */
export function http1Options(limits: ServerLimits) {
  const checkEvery = Math.max(50, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 10)));
  return {
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs) + 2 * checkEvery,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: checkEvery,
    insecureHTTPParser: false,
    requireHostHeader: false, // authority.ts answers a missing Host with a problem
  };
}

export function createGatewayServer(limits: ServerLimits, handlers: ServerHandlers): Server {
  const request = (req: IncomingMessage, res: ServerResponse) => {
    // A request parsed on a lingering connection (pipelined after an early answer) is not served.
    if (isLingering(req.socket)) return void req.socket.destroy();
    handlers.request(req, res);
  };
  const server = createServer(
    { ...http1Options(limits), shouldUpgradeCallback: isWebSocketUpgrade },
    request,
  );
  server.maxConnections = limits.maxConnections;
  server.on("drop", () => handlers.refused?.());
  server.on("checkContinue", request);
  if (handlers.upgrade) server.on("upgrade", handlers.upgrade);
  // Without a listener Node destroys a CONNECT's socket silently; refuse it in words.
  server.on("connect", (_req: IncomingMessage, socket: Duplex) =>
    refuseConnectSocket(socket, limits),
  );
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) =>
    answerClientError(error, socket, limits),
  );
  return server;
}

/** Why CONNECT is refused (over HTTP/1.1 here, over either protocol on the TLS listener). */
export const CONNECT_DETAIL = "CONNECT: this gateway is not a forward proxy";

/** CONNECT over HTTP/1.1: refused in words on its raw socket, which then lingers. */
export function refuseConnectSocket(
  socket: Duplex,
  limits: Pick<Limits, "lingeringTimeMs" | "lingeringBytes">,
): void {
  socket.on("error", () => socket.destroy());
  // Nothing failed: the method itself is refused, so there is no cause to keep.
  socket.write(
    rawProblem(new GatewayError("open_proxy_refused", CONNECT_DETAIL, { cause: undefined })),
  );
  linger(socket, limits);
}

/**
 * Parser and deadline errors, answered on the raw socket (there is no response object). The
 * parser goes on reading a lingering socket and reports each chunk as another error: those
 * are the discarded bytes, not new requests.
 */
export function answerClientError(
  error: NodeJS.ErrnoException,
  socket: Duplex,
  limits: Pick<Limits, "lingeringTimeMs" | "lingeringBytes">,
): void {
  if (isLingering(socket)) return;
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const code: ErrorCode =
    error.code === "HPE_HEADER_OVERFLOW"
      ? "headers_too_large"
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT" || error.code === "HPE_HEADERS_TIMEOUT"
        ? "request_timeout"
        : "bad_request";
  socket.write(rawProblem(new GatewayError(code, error.code ?? "parse error", { cause: error })));
  linger(socket, limits);
}
