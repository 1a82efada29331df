/**
 * What the data plane tells the health layer (passive health): each breaker change and each
 * try's outcome, in forward/'s own terms. feeds/passive-health.ts translates them.
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
    };
