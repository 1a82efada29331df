/**
 * What the data plane tells the health layer (passive health): each breaker change and each
 * try's outcome, in forward/'s own terms, and how health reads a try (`readTry`: the data
 * plane folds its tries with it; feeds/passive-health.ts translates the rest).
 */
import type { BreakerState } from "./breaker.ts";
import type { TryOutcome } from "./retry-policy.ts";
import type { FailureScope } from "./try-failure.ts";

export type Observation =
  | {
      readonly kind: "breaker";
      readonly scope: "site" | "backend";
      readonly id: string;
      readonly state: BreakerState;
    }
  | {
      readonly kind: "try";
      readonly site: string;
      readonly backend: string;
      readonly outcome: TryOutcome | undefined;
      /** From the try's start to its response head (or failure), ms. */
      readonly elapsedMs: number;
      /** What the failure counts against ("none": a success, or nothing to count). */
      readonly failure: FailureScope;
    }
  | {
      /**
       * A site's tries over one batch, as health counts them (the data plane folds its "try"
       * observations into these before they cross to the control plane): each served try's
       * time to its response head, and how many failures count against the site.
       */
      readonly kind: "tries";
      readonly site: string;
      readonly servedMs: readonly number[];
      readonly failed: number;
    };

/** How health reads one try: served with its time, or a failure that counts. */
export type TryReading = { readonly ok: true; readonly latencyMs: number } | { readonly ok: false };

/**
 * How health reads one try: served (with its time to the response head), a failure that
 * counts against the site, or nothing. The data plane folds its tries with this before they
 * cross to the control plane (process/observation-batcher.ts).
 */
export function readTry(observation: Observation & { kind: "try" }): TryReading | undefined {
  const { outcome } = observation;
  // A served try's time to its response head feeds the p99-against-SLO signal.
  if (outcome === undefined) return { ok: true, latencyMs: observation.elapsedMs };
  // A failure counts as an error only when it says something about the site no client can
  // choose (gateway/forward/try-failure.ts): not a client hang-up, not a breaker's refusal
  // (load: saturation says it), not an upstream status the policy leaves out. Its time (a
  // refused connect is fast) would only blur the p99.
  return observation.failure === "none" ? undefined : { ok: false };
}
