/**
 * THE DEMO'S STAND-IN FOR BGP ANYCAST. Not part of the gateway: in production every healthy
 * site announces the same VIP over BGP and the network delivers each client to the nearest
 * announcing site (ExaBGP per site running `gateway announce`; deploy/lab proves it with real
 * BIRD and ExaBGP in network namespaces). Here one HTTP server on
 * one address (default 127.0.0.1:8080) plays that network: per request it finds the client
 * (the socket peer, or from a trusted proxy its X-Forwarded-For), locates it with GeoIP,
 * and forwards the request — streamed both ways, through an undici Pool per gateway — to the
 * gateway of the nearest site that announces right now (`choose-ingress.ts`). A gateway
 * announces while it is ready: its own site is healthy or degraded, i.e. not down, draining
 * or compromised, and it is not shutting down.
 *
 * The front appends the peer to X-Forwarded-For, as a proxy does, so the gateway (which
 * trusts loopback in the demo) sees the original client. It adds `x-demo-anycast: <site>` to
 * every HTTP answer (not to a 101). WebSocket upgrades go to the same gateway through
 * http-proxy-3. It adds no Via entry: a network is not an HTTP hop.
 */
import { randomUUID } from "node:crypto";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { Duplex } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createProxyServer } from "http-proxy-3";
import { type Dispatcher, Pool } from "undici";
import type { ClientLocation } from "../../routing-tables/client.ts";
import {
  clientAddress,
  normalizeAddress,
  type TrustedProxies,
} from "../client-facts/trusted-proxies.ts";
import { type ErrorCode, GatewayError } from "../errors/error-catalogue.ts";
import { rawProblem, sendProblem } from "../errors/problem-response.ts";
import { endToEnd } from "../forward/headers.ts";
import { type AnycastSite, chooseIngress } from "./choose-ingress.ts";
import { closeServer } from "./fixed-ports.ts";

/** A site's gateway as the stand-in network sees it. */
export interface Announcer {
  readonly url: string;
  /** True while the gateway announces the VIP (it is ready). */
  isAnnouncing(): boolean;
}

export interface AnycastFrontOptions {
  /** Every site, in catalogue order. */
  readonly sites: readonly AnycastSite[];
  /** The site's gateway, if it runs. */
  readonly gatewayOf: (siteId: string) => Announcer | undefined;
  readonly locate: (address: string) => ClientLocation;
  /** Peers whose X-Forwarded-For is believed (the demo: loopback). */
  readonly trusted: TrustedProxies;
}

export interface AnycastFront {
  readonly server: Server;
  /**
   * Where the front delivers a client address now (undefined: no site announces); a client
   * of unknown location goes to the first announcing hub. Throws a TypeError for text that
   * is not an IP address.
   */
  ingressFor(address: string): string | undefined;
  /** Requests and upgrades delivered so far, by site. */
  deliveries(): ReadonlyMap<string, number>;
  /** Stops listening, cuts every connection (upgraded ones too), closes the pools. */
  close(): Promise<void>;
}

/** The Via of the answers the front writes itself (no gateway was reached). */
const VIA = "1.1 demo-anycast";
/** The forwarding header the front reads (from trusted peers) and extends. */
const XFF = "x-forwarded-for";

export function createAnycastFront(options: AnycastFrontOptions): AnycastFront {
  const announcing = (id: string) => options.gatewayOf(id)?.isAnnouncing() === true;
  const ingressFor = (address: string) =>
    chooseIngress(options.sites, options.locate(address), announcing);
  const deliveries = new Map<string, number>();
  const route = router(options, ingressFor, deliveries);
  const pools = gatewayPools();
  const server = createServer((req, res) => {
    void deliver(req, res, route, pools.get);
  });
  const upgrades = upgradeRelay(route);
  server.on("upgrade", upgrades.relay);
  return {
    server,
    ingressFor,
    deliveries: () => deliveries,
    close: async () => {
      const closed = closeServer(server);
      upgrades.close();
      await closed;
      await pools.close();
    },
  };
}

type Route = (
  req: IncomingMessage,
) => { site: string; gateway: Announcer; hop: string } | undefined;

/**
 * The site and gateway for a request, with the X-Forwarded-For to send on; counts it. Throws
 * a TypeError when the socket peer is not an IP address.
 */
function router(
  options: AnycastFrontOptions,
  ingressFor: (address: string) => string | undefined,
  deliveries: Map<string, number>,
): Route {
  return (req) => {
    const peer = req.socket.remoteAddress ?? "";
    // client.address is one normalizeAddress read, so locate (in ingressFor) accepts it.
    const client = clientAddress(peer, req.headers, options.trusted);
    const site = ingressFor(client.address);
    const gateway = site === undefined ? undefined : options.gatewayOf(site);
    if (site === undefined || !gateway) return undefined;
    deliveries.set(site, (deliveries.get(site) ?? 0) + 1);
    // clientAddress has read the peer as an IP address, so normalizeAddress answers one.
    const peerAddress = normalizeAddress(peer) as string;
    const hop = forwardingHeader(req.headers, peerAddress, options.trusted.has(peer));
    return { site, gateway, hop };
  };
}

/** An undici Pool per gateway URL, opened on first use. */
function gatewayPools() {
  const pools = new Map<string, Pool>();
  return {
    get: (url: string): Pool => {
      let pool = pools.get(url);
      if (!pool) {
        pool = new Pool(url, { connections: 64, keepAliveTimeout: 4_000, pipelining: 1 });
        pools.set(url, pool);
      }
      return pool;
    },
    close: async () => {
      await Promise.all([...pools.values()].map((p) => p.close().catch(() => p.destroy())));
      pools.clear();
    },
  };
}

/**
 * Upgrade requests, to the same gateway a request would go to, through http-proxy-3. The
 * sockets are kept so `close` can cut them: server.closeAllConnections() does not reach them.
 */
function upgradeRelay(route: Route) {
  const proxy = createProxyServer({ ws: true, xfwd: false });
  proxy.on("error", (error, _req, target) => {
    const socket = target as Duplex | undefined;
    if (socket && "writable" in socket && socket.writable)
      socket.end(
        rawProblem(frontError("upstream_refused", "the gateway refused the upgrade", error)),
      );
  });
  const upgraded = new Set<Duplex>();
  const relay = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    upgraded.add(socket);
    socket.once("close", () => upgraded.delete(socket));
    let chosen: ReturnType<Route>;
    try {
      chosen = route(req);
    } catch (error) {
      socket.end(rawProblem(frontError("bad_request", "the peer is not an IP address", error)));
      return;
    }
    if (!chosen) {
      socket.end(rawProblem(frontError("no_usable_site", "no site announces the VIP")));
      return;
    }
    req.headers[XFF] = chosen.hop;
    proxy.ws(req, socket, head, { target: chosen.gateway.url });
  };
  const close = () => {
    for (const socket of upgraded) socket.destroy();
    proxy.close();
  };
  return { relay, close };
}

async function deliver(
  req: IncomingMessage,
  res: ServerResponse,
  route: Route,
  poolFor: (url: string) => Pool,
): Promise<void> {
  let chosen: ReturnType<Route>;
  try {
    chosen = route(req);
  } catch (error) {
    return problem(res, "bad_request", "the peer is not an IP address", error);
  }
  if (!chosen) return problem(res, "no_usable_site", "no site announces the VIP");
  const aborted = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) aborted.abort(new Error("client went away"));
  });
  try {
    const headers = endToEnd(req.headers);
    delete headers.expect; // Node has answered 100-continue; undici refuses the header
    headers[XFF] = chosen.hop;
    const response = await poolFor(chosen.gateway.url).request({
      method: (req.method ?? "GET") as Dispatcher.HttpMethod,
      path: req.url ?? "/",
      headers,
      body: hasBody(req) ? req : null,
      signal: aborted.signal,
    });
    res.writeHead(response.statusCode, {
      ...endToEnd(response.headers),
      "x-demo-anycast": chosen.site,
    });
    await pipeline(response.body, res);
  } catch (error) {
    if (aborted.signal.aborted) return;
    problem(res, "upstream_refused", `the gateway of ${chosen.site} did not answer`, error);
  }
}

/**
 * X-Forwarded-For for the gateway: a trusted peer's chain with the peer appended; from an
 * untrusted peer its own claim is dropped and the peer alone is named.
 */
function forwardingHeader(
  headers: IncomingHttpHeaders,
  peerAddress: string,
  peerTrusted: boolean,
): string {
  const raw = peerTrusted ? headers[XFF] : undefined;
  const theirs = (Array.isArray(raw) ? raw.join(", ") : (raw ?? "")).trim();
  return theirs === "" ? peerAddress : `${theirs}, ${peerAddress}`;
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

function frontError(code: ErrorCode, detail: string, cause: unknown = new Error(detail)) {
  return new GatewayError(code, detail, { cause });
}

function problem(res: ServerResponse, code: ErrorCode, detail: string, cause?: unknown): void {
  const error = frontError(code, detail, cause);
  sendProblem(res, error, { requestId: randomUUID(), unknownHostStatus: 421, via: VIA });
}
