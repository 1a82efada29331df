/**
 * The second baseline: bare-undici.ts with undici's lowest public API, `pool.dispatch` and a
 * handler that writes each chunk straight to the client's response (no Readable between, no
 * AsyncResource, no promise): what a pass-through costs when it does nothing it need not.
 * Backpressure: the client's `drain` resumes a paused upstream. Same pool settings, same
 * header handling, same output contract (port on stdout, SIGTERM stops cleanly).
 * Usage: node gateway/bench/bare-dispatch.ts UPSTREAM_HOST:PORT
 */
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import type { Dispatcher } from "undici";
import { endToEnd, serveBare, upstreamPool } from "./bare-common.ts";

const pool = upstreamPool("bare-dispatch.ts");

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

serveBare(pool, (req, res) => {
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
