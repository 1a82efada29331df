/**
 * A data plane's TLS listener: the secure server (server/create-tls-server.ts) over the
 * secure contexts built from the control plane's material (tls/sni-contexts.ts), with the
 * control plane's ticket keys (tls/ticket-keys.ts). New certificates swap the SNI map and the
 * server's own context at once; connections already open keep what they negotiated. The
 * listener counts handshakes (full or resumed), refused handshakes and HTTP/2 closes.
 *
 * `closable` is what the drain needs: close (the listener, then HTTP/2 connections get GOAWAY
 * and finish their streams), close idle HTTP/1.1 connections, and cut every connection.
 */
import type { Http2SecureServer } from "node:http2";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import type { Logger } from "pino";
import type { BootConfig } from "../config/boot-schema.ts";
import { createTlsServer, type TlsHandlers } from "../server/create-tls-server.ts";
import { listen, urlOf } from "../server/listen.ts";
import { SniContexts } from "../tls/sni-contexts.ts";
import { useTicketKeys } from "../tls/ticket-keys.ts";
import type { ServerMaterial, TicketKeys } from "../tls/tls-material.ts";
import type { TlsCounters } from "../tls/tls-metrics.ts";
import type { Closable } from "./drain.ts";

export interface TlsListener {
  readonly url: string;
  readonly server: Http2SecureServer;
  readonly closable: Closable;
  certificates(material: ServerMaterial): void;
  tickets(keys: TicketKeys): void;
}

export interface TlsListenerOptions {
  readonly boot: BootConfig;
  readonly handlers: Omit<TlsHandlers, "handshakeFailed" | "sessionClosed">;
  readonly material: ServerMaterial;
  readonly keys: TicketKeys;
  readonly counters: TlsCounters;
  readonly logger: Logger;
  readonly reusePort: boolean;
}

export async function startTlsListener(options: TlsListenerOptions): Promise<TlsListener> {
  const { boot, counters, logger } = options;
  const { tls } = boot;
  const sni = new SniContexts({
    minVersion: tls.minVersion,
    ciphers: tls.ciphers,
    curves: tls.curves,
    // A ticket stays decryptable for two rotations: no use resuming it longer.
    sessionTimeoutS: Math.ceil((2 * tls.ticketKeyRotationMs) / 1_000),
  });
  sni.apply(options.material);
  let keys = options.keys;
  const server = createTlsServer(
    {
      limits: boot.limits,
      http2: tls.http2,
      handshakeTimeoutMs: tls.handshakeTimeoutMs,
      requestCert: tls.clientCa !== undefined,
      via: `1.1 ${boot.name ?? `gw-${boot.site}`}`,
    },
    {
      ...options.handlers,
      handshakeFailed: (reason) => counters.handshakeFailed(reason),
      sessionClosed: (reason) => counters.sessionClosed(reason),
    },
    { defaults: sni.defaultOptions(), sni: (name) => sni.lookup(name) },
  );
  let fallbackLogged = false;
  const applyKeys = () => {
    if (useTicketKeys(server, keys) || fallbackLogged) return;
    fallbackLogged = true;
    logger.warn("this Node has no ticket-key callback: only the current ticket key resumes");
  };
  applyKeys();
  const sockets = new Set<Socket>();
  server.on("secureConnection", (socket: TLSSocket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    counters.handshake(socket.getProtocol() ?? "unknown", socket.isSessionReused());
  });
  await listen(server, tls.listen.port, tls.listen.host, options.reusePort);
  return {
    url: urlOf(server, "https"),
    server,
    closable: {
      close: (done) => server.close(() => done()),
      // HTTP/1.1 keep-alive connections (Node adds this with allowHTTP1; the types do not say).
      closeIdleConnections: () =>
        (server as Http2SecureServer & { closeIdleConnections(): void }).closeIdleConnections(),
      closeAllConnections: () => {
        for (const socket of sockets) socket.destroy();
      },
    },
    certificates: (material) => {
      // The control plane tried every pair already; should OpenSSL still refuse one here, the
      // contexts served so far stay (a throw would end the worker, and its replacement too).
      try {
        if (!sni.apply(material)) return;
        server.setSecureContext(sni.defaultOptions());
        applyKeys(); // the server's own context is new: its ticket callback too
        logger.info({ generation: material.generation }, "certificates applied");
      } catch (error) {
        logger.error(
          { err: error, generation: material.generation },
          "certificates not applied; the previous ones keep serving",
        );
      }
    },
    tickets: (next) => {
      keys = next;
      applyKeys();
    },
  };
}
