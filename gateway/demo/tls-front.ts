/**
 * THE DEMO'S STAND-IN FOR ANYCAST, FOR TLS. Not part of the gateway. Anycast delivers packets,
 * not requests: a TLS connection ends at the gateway the network picked, which alone sees the
 * request inside. So this front is a TCP relay: each connection goes, by the client's address
 * (the socket peer; loopback, being of unknown location, goes to the first announcing hub, as
 * in anycast-front.ts), to the TLS listener of the nearest announcing gateway, bytes piped both
 * ways untouched. The gateway terminates TLS, negotiates h2 or HTTP/1.1, and reads
 * X-Forwarded-For from loopback as the plain front's requests do.
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import { normalizeAddress } from "../client-facts/trusted-proxies.ts";

export interface TlsFrontOptions {
  /** Where anycast delivers a client address now (the plain front's answer). */
  readonly ingressFor: (address: string) => string | undefined;
  /** The TLS listener (`https://host:port`) of a site's gateway, if it runs one. */
  readonly tlsUrlOf: (siteId: string) => string | undefined;
}

export interface TlsFront {
  readonly server: Server;
  close(): Promise<void>;
}

export function createTlsFront(options: TlsFrontOptions): TlsFront {
  const open = new Set<Socket>();
  const track = (socket: Socket) => {
    open.add(socket);
    socket.once("close", () => open.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const server = createServer((client) => {
    track(client);
    const peer = normalizeAddress(client.remoteAddress ?? "") ?? "";
    const site = safely(() => options.ingressFor(peer));
    const target = site === undefined ? undefined : options.tlsUrlOf(site);
    if (!target) return void client.destroy();
    const { hostname, port } = new URL(target);
    const upstream = connect({ host: hostname, port: Number(port) });
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.once("close", () => upstream.destroy());
    upstream.once("close", () => client.destroy());
  });
  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        if (!server.listening) return resolve();
        server.close(() => resolve());
      }),
  };
}

function safely<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
