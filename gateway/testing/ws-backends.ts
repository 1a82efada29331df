/**
 * WebSocket echo servers on a test world's backends (test-only): each backend's http server
 * answers upgrades with a `ws` server that echoes every message; the request heads of the
 * upgrades they accept go into `seen`. Returns the function that closes them: call it before
 * closing the world (upgraded sockets are outside the http servers' bookkeeping).
 */
import type { IncomingHttpHeaders } from "node:http";
import { WebSocketServer } from "ws";
import type { TestWorld } from "./fixtures.ts";

export function echoWebSockets(
  w: TestWorld,
  seen: IncomingHttpHeaders[] = [],
): () => Promise<void> {
  const servers: WebSocketServer[] = [];
  for (const backend of [...w.backends.values()].flat()) {
    const wss = new WebSocketServer({ noServer: true });
    wss.on("connection", (ws) =>
      ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary })),
    );
    backend.server.on("upgrade", (req, socket, head) => {
      seen.push(req.headers);
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
    });
    servers.push(wss);
  }
  return async () => {
    for (const wss of servers) for (const ws of wss.clients) ws.terminate();
    await Promise.all(servers.map((wss) => new Promise((resolve) => wss.close(resolve))));
  };
}
