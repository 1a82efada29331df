/**
 * The benchmark's upstream: a node:http server on 127.0.0.1 that answers each body of
 * workload.ts at its path with a fixed, preallocated body (anything else: 404), and reads and
 * drops any request body. It listens twice (two ports, one process): the gateway's catalogue
 * cannot list one backend under two sites, and its hub needs a live backend too. It prints
 * both ports on the first line of stdout ("PORT SECOND_PORT"); SIGTERM stops it.
 * Usage (the benchmark starts it): node gateway/bench/upstream.ts
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { BODIES } from "./workload.ts";

const answers = new Map(
  BODIES.map((body) => [
    body.path,
    {
      payload: Buffer.alloc(body.bytes, "x"),
      headers: { "content-type": "text/plain", "content-length": String(body.bytes) },
    },
  ]),
);

const answer = (req: IncomingMessage, res: ServerResponse) => {
  req.resume();
  const found = answers.get(req.url ?? "");
  if (!found) {
    res.writeHead(404, { "content-length": "0" });
    res.end();
    return;
  }
  res.writeHead(200, found.headers);
  res.end(found.payload);
};

const servers = [0, 1].map(() => createServer({ keepAliveTimeout: 60_000 }, answer));
const ports = await Promise.all(
  servers.map(
    (server) =>
      new Promise<number>((resolve) =>
        server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
      ),
  ),
);
process.stdout.write(`${ports.join(" ")}\n`);
process.once("SIGTERM", () => {
  for (const server of servers) {
    server.close();
    server.closeAllConnections();
  }
  process.exit(0);
});
