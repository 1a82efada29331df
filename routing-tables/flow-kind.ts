/**
 * Why traffic reaches a site, as a what-if report counts it: a candidate's weight split by
 * the reasons the plan gave it. Read from the plan's own reasons (plan.ts), never recomputed.
 *
 *   primary   the nearest (or lowest-latency, or policy-weighted) usable site, first choice
 *   pin       the first site of the client's geo pin
 *   failover  a site further down the preference list (cost rank or pin order), because
 *             those before it may take no share (down, draining, drained, dial 0)
 *   spill     the part a degraded or dialled-down site could not keep
 *   panic     spread by capacity because too little of the eligible capacity is usable
 */
import type { Candidate } from "./plan.ts";
import type { Reason } from "./reason.ts";

export const FLOW_KINDS = ["primary", "pin", "failover", "spill", "panic"] as const;
export type FlowKind = (typeof FLOW_KINDS)[number];

export interface FlowPart {
  readonly kind: FlowKind;
  /** Share of the plan's requests, 0..1. */
  readonly weight: number;
  readonly reasons: readonly Reason[];
}

/** The kind of a site's own (not spilled) share, from the reason that gave it. */
function ownKind(reasons: readonly Reason[]): FlowKind {
  for (const reason of reasons) {
    if (reason.code === "pinned") return reason.position > 1 ? "failover" : "pin";
    if (reason.code === "nearest" || reason.code === "lowest-latency")
      return reason.rank > 1 ? "failover" : "primary";
  }
  return "primary";
}

/**
 * A weighted candidate as at most two parts: what it takes as spill, and its own share.
 * Plans' raw shares sum to 1 (plan.ts), so a spill reason's share is a share of the plan.
 */
export function flowParts(candidate: Candidate): FlowPart[] {
  const { weight, reasons } = candidate;
  if (!(weight > 0)) return [];
  if (reasons.some((r) => r.code === "panic")) return [{ kind: "panic", weight, reasons }];
  const spilled = reasons.filter((r) => r.code === "spill");
  const spill = Math.min(
    weight,
    spilled.reduce((sum, r) => sum + r.share, 0),
  );
  const own = weight - spill;
  const parts: FlowPart[] = [];
  if (own > weight * 1e-12) {
    const ownReasons = reasons.filter((r) => r.code !== "spill");
    parts.push({ kind: ownKind(ownReasons), weight: own, reasons: ownReasons });
  }
  if (spill > 0) parts.push({ kind: "spill", weight: spill, reasons: spilled });
  return parts;
}
