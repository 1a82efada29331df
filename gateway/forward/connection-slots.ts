/**
 * At most `limit` exchanges in flight on one backend (its pool's connections), so a request
 * never waits unbounded inside undici's queue behind connections that clients pin by not
 * reading their responses. A try that finds every slot taken waits its turn (first come,
 * first served) for at most `queueTimeoutMs` (HAProxy's `timeout queue`), and no longer than
 * its own try timeout; then it fails with `upstream_saturated` before anything was sent, so
 * the next backend or site can take it at no cost.
 *
 * A slot is handed straight from the exchange that frees it to the first waiter, so a newcomer
 * cannot take it in between. The waiting list holds one entry per waiting request, so it is
 * bounded by the connections the front accepts (`limits.maxConnections`).
 */
import { GatewayError } from "../errors/error-catalogue.ts";
import type { ClientGone } from "./client-gone.ts";

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
  readonly gone: ClientGone;
  readonly onGone: (reason: Error) => void;
}

export class ConnectionSlots {
  readonly #limit: number;
  readonly #queueTimeoutMs: number;
  #taken = 0;
  readonly #waiters: Waiter[] = [];

  constructor(limit: number, queueTimeoutMs: number) {
    this.#limit = limit;
    this.#queueTimeoutMs = queueTimeoutMs;
  }

  /** Slots in use now. */
  get taken(): number {
    return this.#taken;
  }

  /** Requests waiting for a slot now. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Takes a free slot at once; false when every slot is in use (then `wait`). */
  tryTake(): boolean {
    if (this.#taken >= this.#limit || this.#waiters.length > 0) return false;
    this.#taken += 1;
    return true;
  }

  /**
   * Waits for a slot, at most min(queueTimeoutMs, `maxWaitMs`); rejects with
   * `upstream_saturated` when none came, or with the client's reason when it left. Resolves
   * with the ms waited.
   */
  wait(maxWaitMs: number, gone: ClientGone): Promise<number> {
    const started = performance.now();
    const waitMs = Math.min(this.#queueTimeoutMs, maxWaitMs);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve: () => resolve(performance.now() - started),
        reject,
        timer: setTimeout(() => this.#drop(waiter, saturated(waitMs)), waitMs),
        gone,
        onGone: (reason) => this.#drop(waiter, reason),
      };
      this.#waiters.push(waiter);
      gone.watch(waiter.onGone);
    });
  }

  /** The exchange holding a slot is over: the first waiter gets the slot, else it is free. */
  release(): void {
    const next = this.#waiters.shift();
    if (next === undefined) {
      this.#taken -= 1;
      return;
    }
    clearTimeout(next.timer);
    next.gone.unwatch(next.onGone);
    next.resolve();
  }

  #drop(waiter: Waiter, error: Error): void {
    const at = this.#waiters.indexOf(waiter);
    if (at < 0) return;
    this.#waiters.splice(at, 1);
    clearTimeout(waiter.timer);
    waiter.gone.unwatch(waiter.onGone);
    waiter.reject(error);
  }
}

function saturated(waitMs: number): GatewayError {
  return new GatewayError(
    "upstream_saturated",
    `no connection to the backend came free within ${waitMs} ms`,
    { cause: new Error("connection slots full") },
  );
}
