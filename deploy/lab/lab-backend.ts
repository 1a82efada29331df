/**
 * A lab backend: `node lab-backend.ts HOST PORT SITE`. Answers every request with JSON naming
 * its site and itself; `/healthz` is what the gateway's probes read. Ends on SIGTERM.
 */
import { createServer } from "node:http";

const [host = "127.0.0.1", port = "0", site = "?"] = process.argv.slice(2);
const name = `${site}-${port}`;
const server = createServer((req, res) => {
  const body = JSON.stringify({ site, backend: name, path: req.url });
  res.writeHead(200, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
});
server.keepAliveTimeout = 5_000;
server.listen(Number(port), host, () => process.stderr.write(`backend ${name} listening\n`));
process.once("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
});
