/**
 * What the two bare baselines share, so they differ only in how they call undici: the pool
 * (the gateway's defaults: 128 connections, no pipelining), the hop-by-hop headers dropped,
 * and the process contract (the port as the first line on stdout; SIGTERM stops cleanly, so a
 * `--cpu-prof` profile is written).
 */
import { createServer, type IncomingHttpHeaders, type RequestListener } from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";

const HOP_BY_HOP = ["connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"];

/** Drops the hop-by-hop headers undici or Node would refuse; changes and returns `headers`. */
export function endToEnd<T extends IncomingHttpHeaders | Record<string, unknown>>(headers: T): T {
  for (const name of HOP_BY_HOP) delete headers[name];
  return headers;
}

/** The pool to `argv[2]` (UPSTREAM_HOST:PORT); exits with usage when it is missing. */
export function upstreamPool(script: string): Pool {
  const upstream = process.argv[2];
  if (!upstream) {
    process.stderr.write(`usage: ${script} UPSTREAM_HOST:PORT\n`);
    process.exit(2);
  }
  return new Pool(`http://${upstream}`, {
    connections: 128,
    pipelining: 1,
    keepAliveTimeout: 4_000,
    connectTimeout: 2_000,
  });
}

/** Serves `handler` on 127.0.0.1, prints the port, and stops on SIGTERM. */
export function serveBare(pool: Pool, handler: RequestListener): void {
  const server = createServer(handler);
  server.listen(0, "127.0.0.1", () => {
    process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
  });
  process.once("SIGTERM", () => {
    server.close();
    server.closeAllConnections();
    void pool.close().finally(() => process.exit(0));
  });
}
