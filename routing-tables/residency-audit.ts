/**
 * The residency check a what-if run makes on every plan it aggregates, apart from plan.ts:
 * the rule the client matches (the most specific, in the tables the service routes by) and
 * every site given a share. A share outside the rule's jurisdictions is a violation, unless
 * the rule is fail-open and the plan says it failed open (the policy allows that, and the
 * report counts it on its own). decide never makes one; this is the net that proves it.
 */
import { type ClientLocation, mostSpecific } from "./client.ts";
import type { Plan } from "./plan.ts";
import type { ServiceView } from "./service-view.ts";

export interface ResidencyBreach {
  readonly rule: string;
  readonly site: string;
  readonly jurisdiction: string;
  /** Share of the plan's requests sent there, 0..1. */
  readonly weight: number;
}

export function residencyBreaches(
  service: ServiceView,
  plan: Plan,
  client: ClientLocation,
): ResidencyBreach[] {
  const tables = service.routeAs ?? service.tables;
  const rule = tables.residency[mostSpecific(tables.tuning.residency, client)];
  if (!rule) return [];
  if (rule.rule.mode === "fail-open" && plan.residency?.failedOpen) return [];
  return plan.candidates
    .filter((c) => c.weight > 0 && !rule.allowed[c.site.index])
    .map((c) => ({
      rule: rule.rule.name,
      site: c.site.id,
      jurisdiction: c.site.config.jurisdiction,
      weight: c.weight,
    }));
}
