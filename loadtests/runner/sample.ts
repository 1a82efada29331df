/**
 * What the Node runner records per iteration. Times are ms since the run started: `intendedMs`
 * is when the open model scheduled the iteration, `sentMs` when it really started, `endMs`
 * when the answer (or the failure) was complete. Latency measured from `intendedMs` includes any
 * delay of the load generator itself: the correction for coordinated omission.
 */

export interface Check {
  readonly name: string;
  readonly ok: boolean;
}

export interface RequestSample {
  readonly kind: "request";
  readonly flow: "browse" | "api";
  readonly region: string;
  readonly continent: string;
  readonly method: string;
  readonly route: string;
  readonly idempotent: boolean;
  readonly intendedMs: number;
  readonly sentMs: number;
  readonly endMs: number;
  /** HTTP status; 0 when no answer came (connection refused, reset, timeout). */
  readonly status: number;
  readonly error: string | undefined;
  /** The `x-gateway-site` header, or "unknown". */
  readonly site: string;
  /** Served by a site the workload's ops had marked compromised before this started. */
  readonly compromisedHit: boolean;
  readonly checks: readonly Check[];
}

export interface SessionSample {
  readonly kind: "session";
  readonly flow: "websocket";
  readonly region: string;
  readonly continent: string;
  readonly intendedMs: number;
  readonly sentMs: number;
  readonly endMs: number;
  readonly sent: number;
  readonly echoed: number;
  readonly error: string | undefined;
  readonly checks: readonly Check[];
}

export type Sample = RequestSample | SessionSample;

/** As k6's default `http_req_failed`: no answer, or a status of 400 or more. */
export function isFailed(sample: RequestSample): boolean {
  return sample.status === 0 || sample.status >= 400;
}
