/**
 * The gateway's TLS listener: a `node:http2` secure server with `allowHTTP1`, so ALPN picks
 * h2 or http/1.1 per connection, and both reach the same request handler (an h2 request as
 * Node's compatibility Http2ServerRequest/Response: handle-request.ts reads them through the
 * same interface). The front door's limits hold on both:
 *
 * - HTTP/1.1 connections get the plain server's parser limits and deadlines (header size and
 *   time, request time, keep-alive, the deadline check interval), its upgrade rule (only a
 *   WebSocket leaves the request path), `Expect: 100-continue` left to the handler, and its
 *   parser-error answers with lingering close.
 * - HTTP/2 connections get the h2 equivalents: SETTINGS_MAX_HEADER_LIST_SIZE from
 *   `limits.maxHeaderBytes`, `http2.maxConcurrentStreams`, windows, Node's flood limits
 *   (invalid frames, refused streams, SETTINGS entries, outstanding PINGs, session memory),
 *   and h2-session-guard.ts (rapid reset, idle, age). Lingering close is not applicable per
 *   stream: an early answer ends its stream, not the connection.
 * - Both: `maxConnections` (TCP connections, counted as refusals past it), a handshake
 *   deadline, certificates by SNI from the caller's `sni`, and client certificates asked for
 *   (never required at the handshake: a service's policy decides) when a client CA is set.
 *
 * A CONNECT is refused in words on either protocol. A failed handshake is counted by its
 * reason and the socket destroyed (there is no HTTP to answer in).
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  createSecureServer,
  type Http2SecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type ServerHttp2Session,
} from "node:http2";
import type { Duplex } from "node:stream";
import type { SecureContext, SecureContextOptions } from "node:tls";
import type { Http2Settings } from "../config/tls-schema.ts";
import { GatewayError } from "../errors/error-catalogue.ts";
import { sendProblem } from "../errors/problem-response.ts";
import {
  answerClientError,
  CONNECT_DETAIL,
  http1Options,
  refuseConnectSocket,
  type ServerHandlers,
  type ServerLimits,
} from "./create-server.ts";
import { guardSession, type SessionCloseReason } from "./h2-session-guard.ts";
import { isLingering } from "./lingering-close.ts";
import { isWebSocketUpgrade } from "./upgrade-kind.ts";

export interface TlsListenerSettings {
  readonly limits: ServerLimits;
  readonly http2: Http2Settings;
  readonly handshakeTimeoutMs: number;
  /** Ask clients for a certificate (a client CA is configured); never required here. */
  readonly requestCert: boolean;
  /** This gateway's Via entry, on the answers it writes itself. */
  readonly via: string;
}

export interface TlsHandlers extends ServerHandlers {
  /** A handshake that failed, by reason (an OpenSSL reason or a code). */
  readonly handshakeFailed?: (reason: string) => void;
  /** An HTTP/2 connection the gateway closed, and why. */
  readonly sessionClosed?: (reason: SessionCloseReason | string) => void;
}

export interface SecureContexts {
  /** The server's own context: certificates for clients without SNI (or unknown names). */
  readonly defaults: SecureContextOptions;
  /** The context for an SNI name; undefined keeps the server's own. */
  readonly sni: (servername: string) => SecureContext | undefined;
}

export function createTlsServer(
  settings: TlsListenerSettings,
  handlers: TlsHandlers,
  contexts: SecureContexts,
): Http2SecureServer {
  const { limits, http2 } = settings;
  const server = createSecureServer({
    ...contexts.defaults,
    allowHTTP1: true,
    ...(!http2.enabled && { ALPNCallback: onlyHttp1 }),
    SNICallback: (servername, done) => done(null, contexts.sni(servername)),
    requestCert: settings.requestCert,
    rejectUnauthorized: false,
    handshakeTimeout: settings.handshakeTimeoutMs,
    // HTTP/1.1 over TLS: the plain server's limits (create-server.ts).
    ...http1Options(limits),
    // HTTP/2: the same limits in its terms, and Node's flood limits.
    settings: {
      maxConcurrentStreams: http2.maxConcurrentStreams,
      initialWindowSize: http2.initialWindowBytes,
      maxHeaderListSize: limits.maxHeaderBytes,
      enablePush: false,
    },
    maxHeaderListPairs: http2.maxHeaderFields,
    maxSessionInvalidFrames: http2.maxInvalidFrames,
    maxSessionRejectedStreams: http2.maxRejectedStreams,
    maxSettings: http2.maxSettingsEntries,
    maxOutstandingPings: http2.maxOutstandingPings,
    maxSessionMemory: http2.maxSessionMemoryMib,
    // nghttp2's own rapid-reset bucket, as a backstop to the session guard's count.
    streamResetBurst: 2 * http2.maxClientResetsPerSecond,
    streamResetRate: http2.maxClientResetsPerSecond,
  } as Parameters<typeof createSecureServer>[0]);
  // Node's own rule would take every Upgrade off the request path; ours lets only WebSocket.
  (
    server as unknown as { shouldUpgradeCallback: typeof isWebSocketUpgrade }
  ).shouldUpgradeCallback = isWebSocketUpgrade;
  server.maxConnections = limits.maxConnections;
  server.on("drop", () => handlers.refused?.());
  const request = (req: IncomingMessage, res: ServerResponse) => {
    if (req.httpVersionMajor < 2 && isLingering(req.socket)) return void req.socket.destroy();
    handlers.request(req, res);
  };
  server.on("request", request as never);
  server.on("checkContinue", request as never);
  if (handlers.upgrade) server.on("upgrade", handlers.upgrade);
  server.on("connect", (req: unknown, second: unknown) =>
    refuseConnect(req, second, limits, settings.via),
  );
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) =>
    answerClientError(error, socket, limits),
  );
  // Node turns handshake failures into 'clientError' with the TLS socket: not an HTTP error.
  server.removeAllListeners("tlsClientError");
  server.on("tlsClientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    handlers.handshakeFailed?.(handshakeReason(error));
    socket.destroy();
  });
  server.on("session", (session: ServerHttp2Session) =>
    guardSession(session, http2, (reason) => handlers.sessionClosed?.(reason)),
  );
  server.on("sessionError", (error: NodeJS.ErrnoException) =>
    handlers.sessionClosed?.(sessionErrorReason(error)),
  );
  return server;
}

/** ALPN without h2: http/1.1 when the client offers it (no ALPN at all is HTTP/1.1 too). */
function onlyHttp1({ protocols }: { protocols: string[] }): string | undefined {
  return protocols.includes("http/1.1") ? "http/1.1" : undefined;
}

/** CONNECT over HTTP/1.1 arrives with its socket, over HTTP/2 with a response. */
function refuseConnect(req: unknown, second: unknown, limits: ServerLimits, via: string): void {
  if ((req as Http2ServerRequest).httpVersionMajor === 2) {
    const refusal = new GatewayError("open_proxy_refused", CONNECT_DETAIL, { cause: undefined });
    const res = second as Http2ServerResponse;
    const requestId = randomUUID();
    sendProblem(res as unknown as ServerResponse, refusal, {
      requestId,
      unknownHostStatus: 421,
      via,
    });
    return;
  }
  refuseConnectSocket(second as Duplex, limits);
}

/**
 * Why Node closed an HTTP/2 connection, for the metric: nghttp2's flood detection (too many
 * queued PING or SETTINGS acknowledgements, CVE-2019-9512/9515) says so in its message only.
 */
export function sessionErrorReason(error: NodeJS.ErrnoException): string {
  if (/flood/i.test(error.message)) return "flood";
  return (error.code ?? "session_error").toLowerCase();
}

/** A short reason for the metric: OpenSSL's reason text, else the error code. */
export function handshakeReason(error: NodeJS.ErrnoException & { reason?: string }): string {
  const text = error.reason ?? error.code ?? "unknown";
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .slice(0, 48);
}
