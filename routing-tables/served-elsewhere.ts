/**
 * Why a request was served by a site other than the one whose gateway received it — the
 * real-traffic form of the spill and panic figures (the `gateway_served_elsewhere_total`
 * metric). Pure: the decision, the site that served, and the site tried first.
 *
 *   panic      the plan is in panic (load spread by capacity)
 *   failover   a retry moved the request: the site tried first did not answer it
 *   residency  the client's residency rule excludes the ingress site
 *   spill      the served site took the share a degraded or dialled-down site could not keep
 *   pin        the client's geo pin names the served site
 *   primary    the served site is the plan's own first choice (weighted steering, or the
 *              ingress is down, draining or drained: see the plan's exclusions)
 *
 * A candidate can hold both an own share and a spilled share; a request drawn to it counts
 * by the larger of the two (one request cannot say which part drew it).
 */
import type { Decision } from "./decide.ts";
import { flowParts } from "./flow-kind.ts";

export const SERVED_ELSEWHERE_REASONS = [
  "panic",
  "failover",
  "residency",
  "spill",
  "pin",
  "primary",
] as const;
export type ServedElsewhereReason = (typeof SERVED_ELSEWHERE_REASONS)[number];

/** Undefined when the ingress itself served (or nothing did). */
export function servedElsewhereReason(
  decision: Decision,
  ingress: string,
  served: string,
  firstTried: string | undefined,
): ServedElsewhereReason | undefined {
  if (served === ingress || served === "none") return undefined;
  const { plan } = decision;
  if (plan.panic) return "panic";
  if (firstTried !== undefined && firstTried !== served) return "failover";
  if (plan.excluded.some((e) => e.site === ingress && e.code === "residency")) return "residency";
  const candidate = plan.candidates.find((c) => c.site.id === served);
  if (!candidate) return "failover";
  const parts = flowParts(candidate);
  const largest = parts.reduce<(typeof parts)[number] | undefined>(
    (best, part) => (best === undefined || part.weight > best.weight ? part : best),
    undefined,
  );
  if (largest === undefined) return "failover";
  if (largest.kind === "spill" || largest.kind === "pin" || largest.kind === "primary")
    return largest.kind;
  return largest.kind === "panic" ? "panic" : "failover";
}
