/**
 * Forward a request to the decision's candidates in order, within the retry policy and the
 * retry budget: an open site breaker passes the site over without spending a try; a
 * retryable failure moves on to the next candidate site, and when the sites run out, tries
 * go on over their backends not yet tried (as nginx's proxy_next_upstream); the first
 * response that is not a retryable failure is the answer. When every try fails, the last
 * upstream 502/503/504 is passed through as it came; with none, the last error becomes a
 * GatewayError. A try first takes one of its backend's connection slots (waiting for one
 * counts in the try's timeout); a served try is reported once its body is over, as a failure
 * when the upstream broke off part-way.
 */
import { Readable } from "node:stream";
import type { Candidate } from "../../routing-tables/plan.ts";
import type { RetryPolicy } from "../../routing-tables/policy-schema.ts";
import { GatewayError, toGatewayError } from "../errors/error-catalogue.ts";
import { transportMeaning } from "../errors/transport-errors.ts";
import type { ClientGone } from "./client-gone.ts";
import {
  forwardTry,
  type UpstreamRequest,
  type UpstreamResponse,
  UpstreamStatusError,
} from "./forward-try.ts";
import { neverSent, type RetryBudget, retryDelay, type TryOutcome } from "./retry-policy.ts";
import { countsStatus, type FailureScope, failureScope, type TryOrigin } from "./try-failure.ts";
import { type Backend, pickBackend, type SiteUpstream, type Upstreams } from "./upstreams.ts";

export interface ProxyContext {
  readonly upstreams: Upstreams;
  readonly budget: RetryBudget;
  readonly random: () => number;
  /**
   * Told of every try's end: the site, the backend, the outcome (undefined: success), the
   * ms from the try's start to its response head (or its failure), and what the failure
   * counts against (try-failure.ts; "none" for a success).
   */
  readonly onTry?: (
    site: string,
    backend: Backend,
    outcome: TryOutcome | undefined,
    elapsedMs: number,
    failure: FailureScope,
  ) => void;
  /** Told when a retry was wanted but the budget said no. */
  readonly onBudgetExhausted?: () => void;
  /** Told of each retry the budget granted. */
  readonly onRetry?: (reason: string) => void;
}

export interface Proxied {
  readonly response: UpstreamResponse;
  readonly site: string;
  readonly backend: Backend;
  readonly sitesTried: readonly string[];
}

/**
 * `retry` is the decided service's policy; a streamed body (one try only) is never retried.
 * `origin` (the client's network, the path, the service's passive-health policy) decides
 * whether an upstream status counts against the site; without it, none does.
 */
export async function proxy(
  candidates: readonly Candidate[],
  request: UpstreamRequest,
  retry: RetryPolicy,
  context: ProxyContext,
  gone: ClientGone,
  origin?: TryOrigin,
): Promise<Proxied> {
  const { upstreams } = context;
  const replayable = !(request.body instanceof Readable);
  const sitesTried: string[] = [];
  let lastResponse: Proxied | undefined;
  let lastError: unknown;
  let attempt = 0;
  let previousOutcome: TryOutcome | undefined;
  // Backends whose try failed, passed over on the way round (made on the first failure).
  let failedBackends: Set<Backend> | undefined;
  // Twice round the list: sites first, then backends not yet tried (no array is built).
  for (let k = 0; k < candidates.length * 2; k++) {
    const candidate = candidates[k % candidates.length] as Candidate;
    if (attempt >= retry.maxAttempts) break;
    const site = upstreams.site(candidate.site.id);
    const backend =
      site && !site.breaker.isOpen
        ? pickBackend(site.backends, context.random, failedBackends)
        : undefined;
    if (!site || !backend) continue;
    const isRetry = attempt > 0;
    // A retry after a try that never reached an upstream costs them nothing, so only the
    // others spend the retry budget.
    const charged = isRetry && !(previousOutcome && neverSent(previousOutcome));
    if (charged && !context.budget.tryAcquire()) {
      context.onBudgetExhausted?.();
      break;
    }
    if (isRetry) context.onRetry?.(previousOutcome?.kind ?? "unknown");
    attempt += 1;
    sitesTried.push(site.siteId);
    const started = performance.now();
    const judge = new TryJudge(site, gone, origin);
    try {
      const timeout = retry.perTryTimeoutMs;
      const response = await oneTry(site, backend, request, timeout, context, gone, judge);
      lastResponse?.response.body.dump();
      return { response, site: site.siteId, backend, sitesTried };
    } catch (error) {
      failedBackends ??= new Set();
      failedBackends.add(backend);
      const outcome = gone.gone ? CLIENT_GONE : outcomeOf(error);
      previousOutcome = outcome;
      const elapsedMs = performance.now() - started;
      // A try that failed because the client stopped sending (408, 413) says nothing of the
      // upstream: not reported. A client that left is reported with scope none. An error no
      // table knows is reported as a reset: unknown is not safe.
      if (!isClientFault(error)) {
        const reported = outcome ?? { kind: "reset-before-response" };
        context.onTry?.(site.siteId, backend, reported, elapsedMs, judge.scope(error));
      }
      if (error instanceof UpstreamStatusError) {
        lastResponse?.response.body.dump();
        lastResponse = { response: error.response, site: site.siteId, backend, sitesTried };
      } else {
        lastError = error;
      }
      const options = { maxAttempts: retry.maxAttempts, bodyReplayable: replayable };
      if (!outcome || gone.gone || retryDelay(request.method, attempt, outcome, options) === null)
        break;
    } finally {
      if (charged) context.budget.release();
    }
  }
  if (lastResponse) return lastResponse;
  if (lastError === undefined)
    throw new GatewayError(
      "no_usable_site",
      "every candidate site's breaker is open or it has no backend",
      { sitesTried, cause: new Error("no candidate tried") },
    );
  throw toGatewayError(lastError, sitesTried);
}

const CLIENT_GONE: TryOutcome = Object.freeze({ kind: "client-gone" });

/**
 * One try's verdicts for its two breakers, worked out once per failure (both breakers ask,
 * and a counted status is recorded with its witnesses once): the backend's breaker counts
 * any failure with a scope, the site's only those that say the site cannot be reached.
 */
class TryJudge {
  readonly #site: SiteUpstream;
  readonly #gone: ClientGone;
  readonly #origin: TryOrigin | undefined;
  #judged: { readonly error: unknown; readonly scope: FailureScope } | undefined;

  constructor(site: SiteUpstream, gone: ClientGone, origin: TryOrigin | undefined) {
    this.#site = site;
    this.#gone = gone;
    this.#origin = origin;
  }

  readonly backend = (error: unknown): boolean => this.scope(error) !== "none";
  readonly site = (error: unknown): boolean => this.scope(error) === "site";

  scope(error: unknown): FailureScope {
    const judged = this.#judged;
    if (judged !== undefined && judged.error === error) return judged.scope;
    const scope = this.#judge(error);
    this.#judged = { error, scope };
    return scope;
  }

  #judge(error: unknown): FailureScope {
    if (this.#gone.gone || isClientFault(error)) return "none";
    const outcome = outcomeOf(error) ?? { kind: "reset-before-response" };
    const counted =
      outcome.kind === "status" &&
      countsStatus(outcome.status, this.#origin, this.#site.witnesses, performance.now());
    return failureScope(outcome, counted);
  }
}

/**
 * One try: a connection slot of the backend (the wait counts in the try's timeout), then the
 * site's and the backend's breakers, then the exchange. A served try is reported once its
 * body is over, as a failure when the upstream broke off part-way.
 */
async function oneTry(
  site: SiteUpstream,
  backend: Backend,
  request: UpstreamRequest,
  timeoutMs: number,
  context: ProxyContext,
  gone: ClientGone,
  judge: TryJudge,
): Promise<UpstreamResponse> {
  const started = performance.now();
  const waited = backend.slots.tryTake() ? 0 : await backend.slots.wait(timeoutMs, gone);
  let headMs = -1;
  const bodyEnded = (upstreamError: Error | undefined) => {
    if (headMs < 0) return;
    const broke = upstreamError !== undefined && !isClientFault(upstreamError) && !gone.gone;
    const outcome = broke ? RESET_AFTER_RESPONSE : undefined;
    context.onTry?.(site.siteId, backend, outcome, headMs, broke ? "backend" : "none");
  };
  let dispatched = false;
  try {
    const response = (await site.breaker.run(
      () =>
        backend.breaker.run(() => {
          dispatched = true; // from here the exchange gives the slot back when it is over
          return forwardTry(backend, request, Math.max(1, timeoutMs - waited), gone, bodyEnded);
        }, judge.backend),
      judge.site,
    )) as UpstreamResponse;
    headMs = performance.now() - started;
    return response;
  } catch (error) {
    if (!dispatched) backend.slots.release();
    throw error;
  }
}

const RESET_AFTER_RESPONSE: TryOutcome = Object.freeze({ kind: "reset-after-response" });

/** The request body failed on the client's side: too large, or too slow (408). */
function isClientFault(error: unknown): boolean {
  return (
    error instanceof GatewayError &&
    (error.code === "body_too_large" || error.code === "request_timeout")
  );
}

/** How a try failed, in the terms of the retry policy; undefined when it must not be retried. */
export function outcomeOf(error: unknown): TryOutcome | undefined {
  if (error instanceof UpstreamStatusError)
    return { kind: "status", status: error.response.statusCode };
  if (error instanceof GatewayError && error.code === "upstream_saturated")
    return { kind: "saturated" };
  const code = (error as { code?: unknown } | null)?.code;
  const outcome = typeof code === "string" ? transportMeaning(code)?.outcome : undefined;
  return outcome === undefined || outcome === "after-response" ? undefined : { kind: outcome };
}
