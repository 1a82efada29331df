/**
 * A demo backend: one service instance of one site, a real node:http server on 127.0.0.1.
 * It answers every request with JSON naming itself — `{ site, backend, ingress, method,
 * path, wanDelayMs }` — after a WAN delay: the estimated round trip between the ingress (the
 * site whose gateway received the request, read from the `Via` entry `gw-<site>` that gateway
 * added) and this site, so a request served far from where it came in is visibly slower.
 * Unknown ingress: no delay. Upgrade requests become WebSockets that echo every message.
 *
 * `kill()` makes it a dead machine as far as clients can tell (listener closed, every
 * connection and pending answer cut); `revive()` listens again on the same port.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { type Coordinates, estimateRttMs } from "../../routing-tables/geo.ts";
import { listen as listenOn } from "../server/listen.ts";

export interface WanBackendOptions {
  readonly siteId: string;
  /** 1-based index within the site; the backend is named `<site>-<index>`. */
  readonly index: number;
  /** Where a site stands, by id; undefined for an unknown site (then no WAN delay). */
  readonly coordinatesOf: (siteId: string) => Coordinates | undefined;
  readonly host?: string;
}

export interface WanBackend {
  readonly siteId: string;
  readonly name: string;
  /** host:port, as the catalogue lists it. */
  readonly address: string;
  /** Requests answered (or being delayed) since start. */
  hits(): number;
  isAlive(): boolean;
  /** Stops listening and cuts every connection, WebSockets and delayed answers included. */
  kill(): Promise<void>;
  /** Listens again on the same port; a no-op while alive. */
  revive(): Promise<void>;
  /** kill(), for good. */
  close(): Promise<void>;
}

/** The ingress site from a Via header: the last `gw-<site>` entry (the nearest gateway). */
export function ingressFromVia(via: string | undefined): string | undefined {
  const matches = [...(via ?? "").matchAll(/\bgw-([a-z][a-z0-9-]*)/g)];
  return matches.at(-1)?.[1];
}

/** The WAN delay for a request that came in at `ingress`, ms (0 when it is unknown). */
export function wanDelayMs(
  ingress: string | undefined,
  here: Coordinates | undefined,
  coordinatesOf: (siteId: string) => Coordinates | undefined,
): number {
  const there = ingress === undefined ? undefined : coordinatesOf(ingress);
  if (!there || !here) return 0;
  return Math.round(estimateRttMs(there, here) * 10) / 10;
}

export async function startWanBackend(options: WanBackendOptions): Promise<WanBackend> {
  const { siteId, coordinatesOf, host = "127.0.0.1" } = options;
  const name = `${siteId}-${options.index}`;
  const here = coordinatesOf(siteId);
  const pending = new Set<NodeJS.Timeout>();
  const sockets = new WebSocketServer({ noServer: true });
  let hits = 0;
  let alive = false;

  const answer = (req: IncomingMessage, res: ServerResponse) => {
    // Hits count client requests; the gateways' health probes are answered but not counted.
    if (req.headers["user-agent"] !== "multisite-gateway-probe") hits += 1;
    const ingress = ingressFromVia(req.headers.via);
    const delay = wanDelayMs(ingress, here, coordinatesOf);
    const body = JSON.stringify({
      site: siteId,
      backend: name,
      ingress: ingress ?? null,
      method: req.method,
      path: req.url,
      wanDelayMs: delay,
    });
    req.resume();
    const timer = setTimeout(() => {
      pending.delete(timer);
      res.writeHead(200, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        "cache-control": "no-store",
      });
      res.end(body);
    }, delay);
    pending.add(timer);
    res.once("close", () => {
      clearTimeout(timer);
      pending.delete(timer);
    });
  };
  const server: Server = createServer(answer);
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    sockets.handleUpgrade(req, socket, head, (ws) => {
      ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
  });

  let port = 0; // the system picks one at the first listen; revive() listens on it again
  const listen = async () => {
    await listenOn(server, port, host, false);
    port = (server.address() as AddressInfo).port;
    alive = true;
  };
  const kill = async () => {
    if (!alive) return;
    alive = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const timer of pending) clearTimeout(timer);
    pending.clear();
    for (const ws of sockets.clients) ws.terminate();
    server.closeAllConnections();
    await closed;
  };
  await listen();
  return {
    siteId,
    name,
    address: host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`,
    hits: () => hits,
    isAlive: () => alive,
    kill,
    revive: async () => {
      if (!alive) await listen();
    },
    close: kill,
  };
}
