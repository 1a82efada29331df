/**
 * One try against one backend, on undici's `dispatch` with a handler of our own: the promise
 * settles when the response head arrives, and the body then flows chunk by chunk into an
 * `UpstreamBody` that writes it to the client (no Readable, no AsyncResource in between).
 * A 502/503/504 head rejects (so the breakers count it) with the response attached, so the
 * caller can still pass it through when it cannot retry. The backend's outstanding count and
 * the connection slot the caller took (connection-slots.ts) cover the whole exchange, body
 * included; `bodyEnded` hears how the body ended (with the upstream's error when it failed
 * part-way). The client leaving (`gone`) aborts the try.
 */
import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import { RETRYABLE_STATUSES } from "../errors/transport-errors.ts";
import type { ClientGone } from "./client-gone.ts";
import { UpstreamBody } from "./upstream-body.ts";
import type { Backend } from "./upstreams.ts";

export interface UpstreamRequest {
  readonly method: Dispatcher.HttpMethod;
  /** Origin-form target: path and query. */
  readonly path: string;
  readonly headers: Record<string, string | string[]>;
  /** A buffered (replayable) body, a stream (one try only), or none. */
  readonly body: Buffer | Readable | null;
}

export interface UpstreamResponse {
  readonly statusCode: number;
  /** As undici parses them: lower-case names, repeated headers as arrays. */
  readonly headers: IncomingHttpHeaders;
  readonly body: UpstreamBody;
}

/** Upstream statuses that mean "this site could not serve it": retried elsewhere when allowed. */

export class UpstreamStatusError extends Error {
  override name = "UpstreamStatusError";
  readonly response: UpstreamResponse;
  constructor(response: UpstreamResponse) {
    super(`upstream answered ${response.statusCode}`);
    this.response = response;
  }
}

/** Called once when a served exchange is over, with the upstream's error if it failed. */
export type BodyEnded = (upstreamError: Error | undefined) => void;

/** The caller holds one of `backend.slots`; the exchange gives it back when it is over. */
export function forwardTry(
  backend: Backend,
  request: UpstreamRequest,
  perTryTimeoutMs: number,
  gone: ClientGone,
  bodyEnded?: BodyEnded,
): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    backend.outstanding += 1;
    const handler = new TryHandler(backend, gone, resolve, reject, bodyEnded);
    backend.pool.dispatch(
      {
        method: request.method,
        path: request.path,
        headers: request.headers,
        body: request.body,
        headersTimeout: perTryTimeoutMs,
        bodyTimeout: perTryTimeoutMs,
      },
      handler,
    );
  });
}

/** undici's side of one try. Before the head, an error rejects; after it, the body hears it. */
class TryHandler implements Dispatcher.DispatchHandler {
  readonly #backend: Backend;
  readonly #gone: ClientGone;
  #resolve: ((response: UpstreamResponse) => void) | undefined;
  readonly #reject: (error: Error) => void;
  #body: UpstreamBody | undefined;
  #onGone: ((reason: Error) => void) | undefined;
  readonly #bodyEnded: BodyEnded | undefined;

  constructor(
    backend: Backend,
    gone: ClientGone,
    resolve: (response: UpstreamResponse) => void,
    reject: (error: Error) => void,
    bodyEnded: BodyEnded | undefined,
  ) {
    this.#backend = backend;
    this.#gone = gone;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#bodyEnded = bodyEnded;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#onGone = (reason) => controller.abort(reason);
    this.#gone.watch(this.#onGone);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    const resolve = this.#resolve;
    // 1xx interim answers are not forwarded (Node's server writes its own 100-continue).
    if (statusCode < 200 || resolve === undefined) return;
    this.#resolve = undefined;
    // The body settles once (ended, failed, abandoned or discarded): then the backend is free.
    this.#body = new UpstreamBody(controller, (error) => this.#release(error));
    const response: UpstreamResponse = { statusCode, headers, body: this.#body };
    if (RETRYABLE_STATUSES.has(statusCode)) this.#reject(new UpstreamStatusError(response));
    else resolve(response);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#body?.data(chunk);
  }

  onResponseEnd(_controller: Dispatcher.DispatchController, trailers: IncomingHttpHeaders): void {
    this.#stopWatching();
    this.#body?.end(trailers);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#stopWatching();
    if (this.#body) {
      // An abort because the client left is not the upstream's failure.
      this.#body.fail(error, !this.#gone.gone);
      return;
    }
    this.#resolve = undefined;
    this.#release(undefined);
    this.#reject(error);
  }

  #stopWatching(): void {
    if (this.#onGone) this.#gone.unwatch(this.#onGone);
    this.#onGone = undefined;
  }

  #release(upstreamError: Error | undefined): void {
    this.#backend.outstanding -= 1;
    this.#backend.slots.release();
    if (this.#body) this.#bodyEnded?.(upstreamError);
  }
}
