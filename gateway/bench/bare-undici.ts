/**
 * The baseline: a node:http server that forwards every request to one upstream through one
 * undici Pool (`pool.request`, the response body piped to the client) and does nothing else:
 * no routing, no GeoIP, no breakers, no metrics, no logging. Only the hop-by-hop headers that
 * undici or Node would refuse are dropped. The pool has the gateway's default settings, so
 * the two differ by the gateway's features alone (bare-common.ts).
 * Usage: node gateway/bench/bare-undici.ts UPSTREAM_HOST:PORT
 */
import type { IncomingHttpHeaders } from "node:http";
import { endToEnd, serveBare, upstreamPool } from "./bare-common.ts";

const pool = upstreamPool("bare-undici.ts");

serveBare(pool, async (req, res) => {
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
