/**
 * When a failed try may be tried again (STYLE.md 11), and how many retries may be in flight
 * at once (Envoy's retry budget). Pure: no timers, no clock, no I/O.
 */
import { RETRYABLE_STATUSES, type TryOutcomeKind } from "../errors/transport-errors.ts";

/** How one try against one site ended (the transport kinds: errors/transport-errors.ts). */
export type TryOutcome =
  | { readonly kind: Exclude<TryOutcomeKind, "after-response"> }
  | { readonly kind: "status"; readonly status: number }
  /** The client hung up while the try was in flight: nothing to say about the upstream. */
  | { readonly kind: "client-gone" }
  /** Every connection to the backend stayed busy for the queue timeout: nothing was sent. */
  | { readonly kind: "saturated" }
  /** The response head came, then the upstream broke off mid-body: too late to retry. */
  | { readonly kind: "reset-after-response" };

export interface RetryRules {
  /** Tries in all, the first included; 1 means never retry. An integer ≥ 1. */
  readonly maxAttempts: number;
  /** No body, or a small one buffered whole that can be sent again; the caller knows. */
  readonly bodyReplayable: boolean;
}

/** RFC 9110 §9.2.2. Method names are case-sensitive (§9.1), so `get` is not GET. */
const IDEMPOTENT: readonly string[] = Object.freeze([
  "GET",
  "HEAD",
  "OPTIONS",
  "TRACE",
  "PUT",
  "DELETE",
]);

export function isIdempotent(method: string): boolean {
  return IDEMPOTENT.includes(method);
}

/**
 * The delay in ms before the next try, or null for no retry. `attempt` is the number of the
 * try that just failed (1 = the first). Retries only requests whose body can be sent again,
 * never past `maxAttempts`; an idempotent one after a failure before any response byte or an
 * upstream 502/503/504; any other (POST, PATCH, …) only when the request never left: a
 * refused connect or an open breaker (as nginx's proxy_next_upstream, which passes a
 * non-idempotent request on only while it has not been sent). The delay is always 0: the
 * next try goes to another site, so there is nothing to back off from; the budget bounds
 * the load.
 */
export function retryDelay(
  method: string,
  attempt: number,
  outcome: TryOutcome,
  rules: RetryRules,
): number | null {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`attempt must be an integer ≥ 1, got ${attempt}`);
  }
  if (!Number.isInteger(rules.maxAttempts) || rules.maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be an integer ≥ 1, got ${rules.maxAttempts}`);
  }
  if (attempt >= rules.maxAttempts) return null;
  if (!rules.bodyReplayable) return null;
  if (!isIdempotent(method)) return neverSent(outcome) ? 0 : null;
  return isRetryable(outcome) ? 0 : null;
}

/**
 * The try failed before any byte of the request reached an upstream (a refused connect, an
 * open breaker): a retry after it costs the upstreams nothing, whatever the method.
 */
export function neverSent(outcome: TryOutcome): boolean {
  return (
    outcome.kind === "connect-failed" ||
    outcome.kind === "circuit-open" ||
    outcome.kind === "saturated"
  );
}

function isRetryable(outcome: TryOutcome): boolean {
  switch (outcome.kind) {
    case "connect-failed":
    case "reset-before-response":
    case "timeout-before-response":
    case "circuit-open":
    case "saturated":
      return true;
    case "reset-after-response":
      return false;
    case "status":
      return RETRYABLE_STATUSES.has(outcome.status);
    case "client-gone":
      return false;
  }
}

export interface RetryBudgetSettings {
  /** Retries in flight as a share of active requests, 0–100. Envoy's default: 20. */
  readonly budgetPercent: number;
  /** Retries always allowed in flight, whatever the share says. Envoy's default: 3. */
  readonly minConcurrent: number;
}

export interface RetryBudgetStats {
  readonly activeRequests: number;
  readonly activeRetries: number;
  /** Retries allowed in flight now: max(minConcurrent, ⌊activeRequests × budgetPercent / 100⌋). */
  readonly limit: number;
  /** Since construction: retry slots granted, and refused for lack of budget. */
  readonly granted: number;
  readonly refused: number;
}

/**
 * Envoy's retry budget (`circuit_breakers.thresholds.retry_budget`): retries in flight stay
 * within `budgetPercent`% of the requests in flight, but at least `minConcurrent` may run,
 * so a failing site cannot turn every request into several. Active requests are the
 * client requests being served; retries are counted apart, from `tryAcquire` to `release`.
 */
export class RetryBudget {
  #percent: number;
  #min: number;
  #activeRequests = 0;
  #activeRetries = 0;
  #granted = 0;
  #refused = 0;

  constructor(settings: RetryBudgetSettings) {
    this.#percent = 0;
    this.#min = 0;
    this.resize(settings);
  }

  /** New limits (a policy reload); requests and retries in flight keep their counts. */
  resize(settings: RetryBudgetSettings): void {
    const { budgetPercent, minConcurrent } = settings;
    if (!(budgetPercent >= 0 && budgetPercent <= 100)) {
      throw new RangeError(`budgetPercent must be within 0–100, got ${budgetPercent}`);
    }
    if (!Number.isInteger(minConcurrent) || minConcurrent < 0) {
      throw new RangeError(`minConcurrent must be an integer ≥ 0, got ${minConcurrent}`);
    }
    this.#percent = budgetPercent;
    this.#min = minConcurrent;
  }

  requestStarted(): void {
    this.#activeRequests += 1;
  }

  /** Throws when no request is active: an unmatched call is a bug in the caller. */
  requestFinished(): void {
    if (this.#activeRequests === 0) throw new Error("requestFinished() without requestStarted()");
    this.#activeRequests -= 1;
  }

  /** Takes a retry slot when the budget has one; pair each `true` with one `release()`. */
  tryAcquire(): boolean {
    if (this.#activeRetries >= this.#limit()) {
      this.#refused += 1;
      return false;
    }
    this.#activeRetries += 1;
    this.#granted += 1;
    return true;
  }

  /** Throws when no slot is held: an unmatched call is a bug in the caller. */
  release(): void {
    if (this.#activeRetries === 0) throw new Error("release() without a granted tryAcquire()");
    this.#activeRetries -= 1;
  }

  stats(): RetryBudgetStats {
    return {
      activeRequests: this.#activeRequests,
      activeRetries: this.#activeRetries,
      limit: this.#limit(),
      granted: this.#granted,
      refused: this.#refused,
    };
  }

  #limit(): number {
    return Math.max(this.#min, Math.floor((this.#activeRequests * this.#percent) / 100));
  }
}
