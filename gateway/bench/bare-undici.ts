/**
 * The baseline: a node:http server that forwards every request to one upstream through one
 * undici Pool (`pool.request`, the response body piped to the client) and does nothing else:
 * no routing, no GeoIP, no breakers, no metrics, no logging. Only the hop-by-hop headers that
 * undici or Node would refuse are dropped. The pool has the gateway's default settings (128
 * connections, no pipelining), so the two differ by the gateway's features alone.
 * Prints its port as the first line on stdout; SIGTERM stops it (cleanly, so a `--cpu-prof`
 * profile is written). Usage: node gateway/bench/bare-undici.ts UPSTREAM_HOST:PORT
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { Pool } from "undici";

const upstream = process.argv[2];
if (!upstream) {
  process.stderr.write("usage: bare-undici.ts UPSTREAM_HOST:PORT\n");
  process.exit(2);
}
const pool = new Pool(`http://${upstream}`, {
  connections: 128,
  pipelining: 1,
  keepAliveTimeout: 4_000,
  connectTimeout: 2_000,
});
const HOP_BY_HOP = ["connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"];

function endToEnd<T extends IncomingHttpHeaders | Record<string, unknown>>(headers: T): T {
  for (const name of HOP_BY_HOP) delete headers[name];
  return headers;
}

const server = createServer(async (req, res) => {
  const hasBody =
    req.headers["content-length"] !== undefined || req.headers["transfer-encoding"] !== undefined;
  try {
    const answer = await pool.request({
      method: req.method as "GET",
      path: req.url ?? "/",
      headers: endToEnd({ ...req.headers }),
      body: hasBody ? req : null,
    });
    res.writeHead(answer.statusCode, endToEnd(answer.headers) as IncomingHttpHeaders);
    answer.body.on("error", () => res.destroy());
    answer.body.pipe(res);
  } catch {
    if (!res.headersSent) res.writeHead(502, { "content-length": "0" });
    res.end();
  }
});

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
process.once("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
  void pool.close().finally(() => process.exit(0));
});
