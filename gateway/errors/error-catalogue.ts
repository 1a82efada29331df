/**
 * The gateway's one error catalogue (STYLE.md 11), as undici's `lib/core/errors.js` and
 * fastify-reply-from's `lib/errors.js` do it: a stable code per failure, one mapping from
 * code to HTTP status, the original error always kept as `cause`, and answers to clients in
 * RFC 9457 problem+json. Pure: no I/O, no clock.
 */
import { transportMeaning } from "./transport-errors.ts";

/** Stable code → HTTP status and RFC 9457 `title` (the same for every occurrence). */
export const ERROR_CODES = freezeAll({
  bad_request: { status: 400, title: "Bad request" },
  /** An absolute-form request (`GET http://other.example/`) naming a host we do not serve. */
  open_proxy_refused: { status: 400, title: "Not an open proxy" },
  /** A path that cannot be made canonical safely: %2F, %5C, a raw backslash, %00, a bad %, a fragment. */
  bad_path: { status: 400, title: "Request path refused" },
  unauthorized: { status: 401, title: "Unauthorized" },
  /** The admin API: a Host it does not answer to, or a cross-origin (browser) request. */
  forbidden: { status: 403, title: "Forbidden" },
  /** A service that wants mTLS (`clientCertificate: required`) got no verified client certificate. */
  client_certificate_required: { status: 403, title: "Client certificate required" },
  /** An Upgrade other than WebSocket (h2c is served as plain HTTP/1.1), as Envoy's 403. */
  upgrade_not_supported: { status: 403, title: "Upgrade not supported" },
  not_found: { status: 404, title: "Not found" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  request_timeout: { status: 408, title: "Request timeout" },
  body_too_large: { status: 413, title: "Request body too large" },
  headers_too_large: { status: 431, title: "Request headers too large" },
  /** 421 Misdirected Request by default; `problemDetails` can answer 404 instead. */
  unknown_host: { status: 421, title: "Unknown host" },
  no_usable_site: { status: 503, title: "No usable site" },
  residency_blocked: { status: 503, title: "Blocked by a residency rule" },
  circuit_open: { status: 503, title: "Circuit breaker open" },
  shutting_down: { status: 503, title: "Gateway shutting down" },
  /** Every connection to the backend stayed busy for upstream.queueTimeoutMs. */
  upstream_saturated: { status: 503, title: "Upstream connections busy" },
  override_not_stored: {
    status: 503,
    title: "Ops override not stored (no control datacenter took it)",
  },
  /** Stored, but not every worker of the gateway confirmed it in time: it may not hold yet. */
  override_not_applied: { status: 503, title: "Ops override not applied by every worker" },
  /** The admin API's ops view already serves `ui.maxStreams` event streams. */
  too_many_streams: { status: 503, title: "Too many ops view event streams" },
  upstream_refused: { status: 502, title: "Upstream refused the connection" },
  upstream_reset: { status: 502, title: "Upstream connection reset" },
  upstream_bad_response: { status: 502, title: "Upstream sent an invalid response" },
  /** The TLS handshake with the backend failed (certificate not trusted, wrong name, …). */
  upstream_tls: { status: 502, title: "Upstream TLS handshake failed" },
  upstream_timeout: { status: 504, title: "Upstream timed out" },
  internal: { status: 500, title: "Internal gateway error" },
} as const);

export type ErrorCode = keyof typeof ERROR_CODES;

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export interface GatewayErrorOptions {
  /** What this error stands for. Required, so that no failure loses its origin. */
  readonly cause: unknown;
  /** Site ids tried, in order, before giving up; empty when none was. */
  readonly sitesTried?: readonly string[];
}

export class GatewayError extends Error {
  override readonly name = "GatewayError";
  readonly code: ErrorCode;
  /** The catalogue's status for `code`. */
  readonly status: number;
  readonly sitesTried: readonly string[];

  /** `message` becomes the problem's `detail`: it is shown to clients, so no internals. */
  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions) {
    super(message, { cause: options.cause });
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.sitesTried = Object.freeze([...(options.sitesTried ?? [])]);
  }
}

/** An RFC 9457 problem object, with the extension members `code`, `sitesTried`, `requestId`. */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance?: string;
  readonly code: ErrorCode;
  readonly sitesTried: readonly string[];
  readonly requestId?: string;
}

export interface ProblemOptions {
  readonly requestId?: string;
  /** RFC 9457 `instance`: a URI reference naming this occurrence, e.g. the request path. */
  readonly instance?: string;
  /** Status for `unknown_host`: 421 (default) or 404 where the host list is not to be hinted at. */
  readonly unknownHostStatus?: 421 | 404;
}

export function problemDetails(error: GatewayError, options: ProblemOptions = {}): ProblemDetails {
  const status =
    error.code === "unknown_host" ? (options.unknownHostStatus ?? error.status) : error.status;
  return {
    type: `urn:gateway:problem:${error.code}`,
    title: ERROR_CODES[error.code].title,
    status,
    detail: error.message,
    ...(options.instance === undefined ? {} : { instance: options.instance }),
    code: error.code,
    sitesTried: error.sitesTried,
    ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
  };
}

/** The problem as the response body; send it with `content-type: PROBLEM_CONTENT_TYPE`. */
export function problemBody(error: GatewayError, options: ProblemOptions = {}): string {
  return JSON.stringify(problemDetails(error, options));
}

/** How many `cause` links to follow (fetch's "fetch failed" wraps the socket error once). */
const MAX_CAUSE_DEPTH = 4;

/**
 * Any thrown value as a GatewayError, the original kept as `cause`. A GatewayError is
 * returned unchanged. The first error in the `cause` chain with a known meaning decides;
 * an abort counts as a timeout only when its reason is a `TimeoutError` (AbortSignal.timeout),
 * and any other abort, like anything unrecognised, is `internal`. The detail names the
 * catalogue title and the error code, never the original message (it may hold addresses).
 */
export function toGatewayError(error: unknown, sitesTried: readonly string[] = []): GatewayError {
  if (error instanceof GatewayError) return error;
  let current: unknown = error;
  for (let depth = 0; depth <= MAX_CAUSE_DEPTH && isObject(current); depth += 1) {
    const found = classify(current);
    if (found !== undefined) {
      const { code, label } = found;
      return new GatewayError(code, `${ERROR_CODES[code].title} (${label})`, {
        cause: error,
        sitesTried,
      });
    }
    current = current.cause;
  }
  return new GatewayError("internal", ERROR_CODES.internal.title, { cause: error, sitesTried });
}

function classify(error: Record<string, unknown>): { code: ErrorCode; label: string } | undefined {
  // DOMException's `code` is a legacy number (23 for TimeoutError), so check the name first.
  if (error.name === "TimeoutError") return { code: "upstream_timeout", label: "TimeoutError" };
  if (typeof error.code !== "string") return undefined;
  const meaning = transportMeaning(error.code);
  return meaning && { code: meaning.problem, label: error.code };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function freezeAll<T extends Record<string, object>>(table: T): T {
  for (const entry of Object.values(table)) Object.freeze(entry);
  return Object.freeze(table);
}
