/**
 * One table for what a failed try's error code means: how the try ended in the retry policy's
 * terms (whether it may go to another site) and which problem the client gets if it is the
 * last. Codes of undici, Node's sockets and DNS, and opossum. Before this table the retry
 * loop and the error catalogue each had a list, and they disagreed (UND_ERR_CLOSED was
 * retried as a reset but answered as `internal`). `after-response` means the failure came
 * after the response head: never retried (bytes are out).
 */
import type { ErrorCode } from "./error-catalogue.ts";

export type TryOutcomeKind =
  | "connect-failed"
  | "reset-before-response"
  | "timeout-before-response"
  | "circuit-open"
  | "after-response";

export interface TransportMeaning {
  readonly outcome: TryOutcomeKind;
  readonly problem: ErrorCode;
}

const meaning = (outcome: TryOutcomeKind, problem: ErrorCode): TransportMeaning =>
  Object.freeze({ outcome, problem });

export const TRANSPORT_ERRORS: Readonly<Record<string, TransportMeaning>> = Object.freeze({
  // The request never reached an upstream: any method may go to the next site.
  ECONNREFUSED: meaning("connect-failed", "upstream_refused"),
  ENOTFOUND: meaning("connect-failed", "upstream_refused"),
  EAI_AGAIN: meaning("connect-failed", "upstream_refused"),
  EHOSTUNREACH: meaning("connect-failed", "upstream_refused"),
  ENETUNREACH: meaning("connect-failed", "upstream_refused"),
  UND_ERR_CONNECT_TIMEOUT: meaning("connect-failed", "upstream_timeout"),
  // TLS to the backend (catalogue upstreamTls) failed in its handshake: its certificate is not
  // one the site's CA issued, names another host, has expired; or it wanted our certificate.
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: meaning("connect-failed", "upstream_tls"),
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: meaning("connect-failed", "upstream_tls"),
  DEPTH_ZERO_SELF_SIGNED_CERT: meaning("connect-failed", "upstream_tls"),
  SELF_SIGNED_CERT_IN_CHAIN: meaning("connect-failed", "upstream_tls"),
  CERT_HAS_EXPIRED: meaning("connect-failed", "upstream_tls"),
  CERT_NOT_YET_VALID: meaning("connect-failed", "upstream_tls"),
  ERR_TLS_CERT_ALTNAME_INVALID: meaning("connect-failed", "upstream_tls"),
  ECONNECT_TIMEOUT: meaning("connect-failed", "upstream_timeout"), // http-proxy-3 (upgrades)
  // opossum: an open breaker, or one at capacity (ESEMLOCKED), refuses without trying.
  EOPENBREAKER: meaning("circuit-open", "circuit_open"),
  ESEMLOCKED: meaning("circuit-open", "circuit_open"),
  // The connection failed before a response head: idempotent requests may be tried again.
  ECONNRESET: meaning("reset-before-response", "upstream_reset"),
  EPIPE: meaning("reset-before-response", "upstream_reset"),
  UND_ERR_SOCKET: meaning("reset-before-response", "upstream_reset"),
  UND_ERR_CLOSED: meaning("reset-before-response", "upstream_reset"),
  ETIMEDOUT: meaning("reset-before-response", "upstream_timeout"),
  UND_ERR_HEADERS_TIMEOUT: meaning("timeout-before-response", "upstream_timeout"),
  // After the head (or a response that cannot be read): the answer is already committed.
  UND_ERR_BODY_TIMEOUT: meaning("after-response", "upstream_timeout"),
  UND_ERR_HEADERS_OVERFLOW: meaning("after-response", "upstream_bad_response"),
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: meaning("after-response", "upstream_bad_response"),
  UND_ERR_RES_EXCEEDED_MAX_SIZE: meaning("after-response", "upstream_bad_response"),
});

const TLS_HANDSHAKE = meaning("connect-failed", "upstream_tls");

/**
 * The meaning of an error's `code`; llhttp's parser codes (HPE_*) are bad responses, OpenSSL's
 * (ERR_SSL_*: an alert, a protocol or cipher mismatch, a backend that speaks plain HTTP) are
 * TLS handshakes that failed before any request was taken.
 */
export function transportMeaning(code: string): TransportMeaning | undefined {
  const known = TRANSPORT_ERRORS[code];
  if (known) return known;
  if (code.startsWith("HPE_")) return meaning("after-response", "upstream_bad_response");
  if (code.startsWith("ERR_SSL_")) return TLS_HANDSHAKE;
  return undefined;
}

/** Upstream answers that say "not this site, not now": retried for idempotent requests. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);
