/**
 * The gateway's node:http server with its limits. Node checks the header and request
 * deadlines only every `connectionsCheckingInterval` (30 s by default), so a slowloris that
 * trickles its head byte by byte could outlive a 10 s deadline by 30 s: the interval here is
 * a fraction of the deadline, so the deadline holds to within that fraction. The strict
 * parser is kept (no insecureHTTPParser): CL+TE, obs-fold, bare CR and the like are refused.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { type ErrorCode, GatewayError } from "../errors/error-catalogue.ts";
import { rawProblem } from "../errors/problem-response.ts";

export interface ServerLimits {
  readonly maxHeaderBytes: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
}

export interface ServerHandlers {
  readonly request: (req: IncomingMessage, res: ServerResponse) => void;
  readonly upgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

export function createGatewayServer(limits: ServerLimits, handlers: ServerHandlers): Server {
  const server = createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: Math.max(limits.requestTimeoutMs, limits.headersTimeoutMs),
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.max(
        50,
        Math.min(1_000, Math.floor(limits.headersTimeoutMs / 10)),
      ),
      insecureHTTPParser: false,
      requireHostHeader: false, // authority.ts answers a missing Host with a problem
    },
    handlers.request,
  );
  if (handlers.upgrade) server.on("upgrade", handlers.upgrade);
  // Without a listener Node destroys a CONNECT's socket silently; refuse it in words.
  server.on("connect", (_req: IncomingMessage, socket: Duplex) => {
    socket.on("error", () => socket.destroy());
    const detail = "CONNECT: this gateway is not a forward proxy";
    // Nothing failed: the method itself is refused, so there is no cause to keep.
    socket.end(rawProblem(new GatewayError("open_proxy_refused", detail, { cause: undefined })));
  });
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) =>
    answerClientError(error, socket),
  );
  return server;
}

/** Parser and deadline errors, answered on the raw socket (there is no response object). */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
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
  socket.end(rawProblem(new GatewayError(code, error.code ?? "parse error", { cause: error })));
}
