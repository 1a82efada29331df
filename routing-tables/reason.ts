/**
 * Why a site has its weight, or why it has none. Structured (cheap to make on the decision
 * path); explain.ts turns them into words.
 */
export type Reason =
  | { readonly code: "nearest"; readonly rank: number; readonly costMs: number }
  | { readonly code: "lowest-latency"; readonly rank: number; readonly costMs: number }
  | { readonly code: "weighted"; readonly weight: number }
  | { readonly code: "pinned"; readonly position: number }
  | { readonly code: "keeps-share"; readonly kept: number; readonly of: number }
  | { readonly code: "spill"; readonly from: string; readonly share: number }
  | { readonly code: "spill-kept"; readonly share: number }
  | { readonly code: "panic"; readonly capacityShare: number }
  | { readonly code: "fallback" };

export type ExclusionCode =
  | "compromised"
  | "draining"
  | "down"
  | "drained-by-policy"
  | "dial-zero"
  | "residency";

export interface Exclusion {
  readonly site: string;
  readonly code: ExclusionCode;
}

/** Stable codes a decision ends with when no site may serve the request. */
export type BlockCode = "unknown_host" | "no_usable_site" | "residency_blocked";
