/**
 * The second baseline: bare-undici.ts with undici's lowest public API, `pool.dispatch` and a
 * handler that writes each chunk straight to the client's response (no Readable between, no
 * AsyncResource, no promise): what a pass-through costs when it does nothing it need not.
 * Backpressure: the client's `drain` resumes a paused upstream. Same pool settings, same
 * header handling, same output contract (port on stdout, SIGTERM stops cleanly).
 * Usage: node gateway/bench/bare-dispatch.ts UPSTREAM_HOST:PORT
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Dispatcher, Pool } from "undici";

const upstream = process.argv[2];
if (!upstream) {
  process.stderr.write("usage: bare-dispatch.ts UPSTREAM_HOST:PORT\n");
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

class PassThrough implements Dispatcher.DispatchHandler {
  readonly res: ServerResponse;
  constructor(res: ServerResponse) {
    this.res = res;
  }
  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.res.once("close", () => {
      if (!this.res.writableFinished) controller.abort(new Error("client went away"));
    });
  }
  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    if (statusCode < 200) return;
    this.res.writeHead(statusCode, endToEnd(headers));
    this.res.on("drain", () => controller.resume());
  }
  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.res.write(chunk)) controller.pause();
  }
  onResponseEnd(): void {
    this.res.end();
  }
  onResponseError(_controller: Dispatcher.DispatchController, _error: Error): void {
    if (!this.res.headersSent) this.res.writeHead(502, { "content-length": "0" }).end();
    else this.res.destroy();
  }
}

const server = createServer((req, res) => {
  const hasBody =
    req.headers["content-length"] !== undefined || req.headers["transfer-encoding"] !== undefined;
  pool.dispatch(
    {
      method: req.method as "GET",
      path: req.url ?? "/",
      headers: endToEnd({ ...req.headers }),
      body: hasBody ? req : null,
    },
    new PassThrough(res),
  );
});

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
process.once("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
  void pool.close().finally(() => process.exit(0));
});
