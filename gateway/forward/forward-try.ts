/**
 * One try against one backend: an undici request whose promise settles when the response
 * head arrives; the body then streams. A 502/503/504 head rejects (so the breakers count it)
 * with the response attached, so the caller can still pass it through when it cannot retry.
 * The backend's outstanding count covers the whole exchange, body included.
 */
import type { Readable } from "node:stream";
import type { Dispatcher } from "undici";
import type { Backend } from "./upstreams.ts";

export interface UpstreamRequest {
  readonly method: Dispatcher.HttpMethod;
  /** Origin-form target: path and query. */
  readonly path: string;
  readonly headers: Record<string, string | string[]>;
  /** A buffered (replayable) body, a stream (one try only), or none. */
  readonly body: Buffer | Readable | null;
}

export type UpstreamResponse = Dispatcher.ResponseData;

/** Upstream statuses that mean "this site could not serve it": retried elsewhere when allowed. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

export class UpstreamStatusError extends Error {
  override name = "UpstreamStatusError";
  readonly response: UpstreamResponse;
  constructor(response: UpstreamResponse) {
    super(`upstream answered ${response.statusCode}`);
    this.response = response;
  }
}

export async function forwardTry(
  backend: Backend,
  request: UpstreamRequest,
  perTryTimeoutMs: number,
  signal: AbortSignal,
): Promise<UpstreamResponse> {
  backend.outstanding += 1;
  let response: UpstreamResponse;
  try {
    response = await backend.pool.request({
      method: request.method,
      path: request.path,
      headers: request.headers,
      body: request.body,
      headersTimeout: perTryTimeoutMs,
      bodyTimeout: perTryTimeoutMs,
      signal,
    });
  } catch (error) {
    backend.outstanding -= 1;
    throw error;
  }
  response.body.once("close", () => {
    backend.outstanding -= 1;
  });
  if (RETRYABLE_STATUSES.has(response.statusCode)) throw new UpstreamStatusError(response);
  return response;
}
