/**
 * Deadlines on reading a request body, so a client cannot hold a connection by trickling it:
 *
 * - idle: no byte for `bodyIdleTimeoutMs` while the gateway is reading (nginx
 *   `client_body_timeout`, the time between two successive reads);
 * - slow: once `bodyRateGraceMs` of reading has passed, fewer than `minBodyBytesPerSecond`
 *   on average since the body began (Kestrel's `MinRequestBodyDataRate`);
 * - total: the request not read whole `requestTimeoutMs` after its head arrived.
 *
 * Time the gateway itself is not reading (the request is paused: the upstream is not taking
 * the body yet) is the gateway's, not the client's: it counts toward neither idle nor rate.
 * `bodyVerdict` is the pure rule; `BodyWatch` applies it on a timer, one per body being read.
 */
import type { IncomingMessage } from "node:http";
import { GatewayError } from "../errors/error-catalogue.ts";

export interface BodyTimeouts {
  readonly bodyIdleTimeoutMs: number;
  readonly minBodyBytesPerSecond: number;
  readonly bodyRateGraceMs: number;
  readonly requestTimeoutMs: number;
}

export interface BodyProgress {
  /** Body bytes read so far. */
  readonly bytes: number;
  /** Ms the gateway has spent reading (not paused) since the body began. */
  readonly readingMs: number;
  /** Ms since the last byte, counting reading time only. */
  readonly idleMs: number;
  /** Ms since the request head arrived. */
  readonly sinceHeadMs: number;
}

export type BodyVerdict = "idle" | "slow" | "total" | undefined;

export function bodyVerdict(progress: BodyProgress, timeouts: BodyTimeouts): BodyVerdict {
  if (progress.sinceHeadMs >= timeouts.requestTimeoutMs) return "total";
  if (progress.idleMs >= timeouts.bodyIdleTimeoutMs) return "idle";
  const rate = timeouts.minBodyBytesPerSecond;
  if (rate > 0 && progress.readingMs >= timeouts.bodyRateGraceMs) {
    if (progress.bytes < (rate * progress.readingMs) / 1000) return "slow";
  }
  return undefined;
}

const DETAIL: Record<Exclude<BodyVerdict, undefined>, (t: BodyTimeouts) => string> = {
  total: (t) => `the request was not read whole within ${t.requestTimeoutMs} ms`,
  idle: (t) => `no request body byte for ${t.bodyIdleTimeoutMs} ms`,
  slow: (t) => `request body slower than ${t.minBodyBytesPerSecond} bytes/s`,
};

/** The request_timeout failure for a verdict. */
export function bodyTimeout(verdict: Exclude<BodyVerdict, undefined>, t: BodyTimeouts) {
  const detail = DETAIL[verdict](t);
  return new GatewayError("request_timeout", detail, { cause: new Error(`body ${verdict}`) });
}

/** How often a watch looks: a tenth of the shortest deadline, within 50 ms – 1 s. */
export function checkEveryMs(t: BodyTimeouts): number {
  const shortest = Math.min(t.bodyIdleTimeoutMs, t.bodyRateGraceMs, t.requestTimeoutMs);
  return Math.max(50, Math.min(1_000, Math.floor(shortest / 10)));
}

export class BodyWatch {
  readonly #req: IncomingMessage;
  readonly #timeouts: BodyTimeouts;
  readonly #now: () => number;
  readonly #headAtMs: number;
  readonly #timer: NodeJS.Timeout;
  #bytes = 0;
  #readingMs = 0;
  #idleMs = 0;
  #lastCheckMs: number;
  #onExpired: ((error: GatewayError) => void) | undefined;
  /** The failure, once a deadline passed. */
  expired: GatewayError | undefined;

  constructor(req: IncomingMessage, timeouts: BodyTimeouts, headAtMs: number, now: () => number) {
    this.#req = req;
    this.#timeouts = timeouts;
    this.#now = now;
    this.#headAtMs = headAtMs;
    this.#lastCheckMs = now();
    this.#timer = setInterval(() => this.#check(), checkEveryMs(timeouts));
    this.#timer.unref();
  }

  /** Counts `bytes` more read; the idle clock starts again. */
  progress(bytes: number): void {
    this.#bytes += bytes;
    this.#idleMs = 0;
  }

  /** Who to tell when a deadline passes (the reader, which stops and fails). */
  onExpired(listener: (error: GatewayError) => void): void {
    this.#onExpired = listener;
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #check(): void {
    const now = this.#now();
    const elapsed = now - this.#lastCheckMs;
    this.#lastCheckMs = now;
    if (this.#req.isPaused()) this.#idleMs = 0;
    else {
      this.#readingMs += elapsed;
      this.#idleMs += elapsed;
    }
    const verdict = bodyVerdict(
      {
        bytes: this.#bytes,
        readingMs: this.#readingMs,
        idleMs: this.#idleMs,
        sinceHeadMs: now - this.#headAtMs,
      },
      this.#timeouts,
    );
    if (verdict === undefined) return;
    this.stop();
    this.expired = bodyTimeout(verdict, this.#timeouts);
    this.#onExpired?.(this.expired);
  }
}
