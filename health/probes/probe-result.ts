/**
 * The pure half of a probe (STYLE.md 2): what one GET came back with, turned into the
 * result the prober publishes. No I/O, no clock: the prober measures, this judges.
 */
import type { ExpectedStatus, StatusRange } from "./probe-settings.ts";

/** TLS to a backend (the site's upstream TLS): PEM text, the name checked, a client pair. */
export interface ProbeTls {
  readonly ca?: string;
  readonly servername?: string;
  readonly cert?: string;
  readonly key?: string;
  /** Identifies the material: a probe made with other material is another target. */
  readonly fingerprint: string;
}

/** One backend of one site, as the catalogue names it. */
export interface ProbeTarget {
  readonly siteId: string;
  /** host:port (IPv6 hosts in brackets). */
  readonly backend: string;
  /** Probe over TLS with this material (the certificate always verified); absent: plain HTTP. */
  readonly tls?: ProbeTls;
}

/** Why a probe got no usable answer; stable codes for logs and metrics. */
export const PROBE_ERROR_CODES = [
  "timeout",
  "refused",
  "reset",
  "unreachable",
  "dns",
  "bad_response",
  "other",
] as const;
export type ProbeErrorCode = (typeof PROBE_ERROR_CODES)[number];

export interface ProbeResult extends ProbeTarget {
  /** The backend answered with an expected status, body read in full, within the timeout. */
  readonly ok: boolean;
  /** The answer's status, when one came. */
  readonly status?: number;
  /** Set when the probe failed before or while reading the answer. */
  readonly error?: ProbeErrorCode;
  /** From sending the GET to the response headers (or to the failure), ms. */
  readonly latencyMs: number;
  /** When the probe ended, epoch ms. */
  readonly at: number;
}

/** What the I/O half saw: a status (and, if the body then failed, that error), or only an error. */
export interface ProbeOutcome {
  readonly status?: number;
  readonly error?: unknown;
  readonly latencyMs: number;
  readonly at: number;
}

function inRange(status: number, entry: number | StatusRange): boolean {
  return typeof entry === "number" ? status === entry : status >= entry.min && status <= entry.max;
}

/** Whether `status` is one of the healthy answers. */
export function isExpectedStatus(status: number, expected: ExpectedStatus): boolean {
  return Array.isArray(expected)
    ? expected.some((entry: number | StatusRange) => inRange(status, entry))
    : inRange(status, expected as StatusRange);
}

const CODE_BY_ERROR_CODE: Readonly<Record<string, ProbeErrorCode>> = Object.freeze({
  ETIMEDOUT: "timeout",
  UND_ERR_CONNECT_TIMEOUT: "timeout",
  UND_ERR_HEADERS_TIMEOUT: "timeout",
  UND_ERR_BODY_TIMEOUT: "timeout",
  ECONNREFUSED: "refused",
  ECONNRESET: "reset",
  EPIPE: "reset",
  UND_ERR_SOCKET: "reset",
  UND_ERR_CLOSED: "reset",
  EHOSTUNREACH: "unreachable",
  ENETUNREACH: "unreachable",
  EHOSTDOWN: "unreachable",
  ENOTFOUND: "dns",
  EAI_AGAIN: "dns",
  UND_ERR_INFO: "bad_response",
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: "bad_response",
  UND_ERR_RES_EXCEEDED_MAX_SIZE: "bad_response",
});

/**
 * The stable code of a probe failure. A `TimeoutError` (what `AbortSignal.timeout` and the
 * prober's own timer abort with) is `timeout`; HTTP parser errors (`HPE_*`) are `bad_response`.
 */
export function probeErrorCode(error: unknown): ProbeErrorCode {
  const { name, code } = (typeof error === "object" && error !== null ? error : {}) as {
    name?: unknown;
    code?: unknown;
  };
  if (name === "TimeoutError") return "timeout";
  if (typeof code !== "string") return "other";
  if (code.startsWith("HPE_")) return "bad_response";
  return CODE_BY_ERROR_CODE[code] ?? "other";
}

/** The published result of one probe of `target`. Pure. */
export function probeResult(
  target: ProbeTarget,
  outcome: ProbeOutcome,
  expected: ExpectedStatus,
): ProbeResult {
  const failed = outcome.error !== undefined;
  return Object.freeze({
    siteId: target.siteId,
    backend: target.backend,
    ok: !failed && outcome.status !== undefined && isExpectedStatus(outcome.status, expected),
    ...(outcome.status !== undefined && { status: outcome.status }),
    ...(failed && { error: probeErrorCode(outcome.error) }),
    latencyMs: Math.max(0, outcome.latencyMs),
    at: outcome.at,
  });
}
