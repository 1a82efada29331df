/**
 * The site a DNS answer sends a client to: the data plane's own decision (decideForService),
 * ranked as a direct answer — from the client's own location to each site, not from an
 * ingress, since the client will connect to the site itself. Pure.
 *
 * The drawn candidate comes first, then the rest in rank order (tryOrder, as the data plane
 * retries); the answer is the first one that is healthy or degraded (never down, draining or
 * compromised, also in panic, where the plan may list them) and has a public address. So a
 * site's spill share becomes its share of answers across queries, and a site without a public
 * address hands its share to the next one ranked.
 */
import type { ClientLocation } from "../../routing-tables/client.ts";
import { decideForService, type Random, tryOrder } from "../../routing-tables/decide.ts";
import type { BlockCode } from "../../routing-tables/reason.ts";
import type { ServiceView } from "../../routing-tables/service-view.ts";
import type { SiteView, Snapshot } from "../../routing-tables/snapshot.ts";

export type Steering =
  | { readonly ok: true; readonly site: SiteView }
  | { readonly ok: false; readonly code: BlockCode };

const answerable = (site: SiteView) =>
  (site.state === "healthy" || site.state === "degraded") &&
  (site.config.publicIPv4 !== undefined || site.config.publicIPv6 !== undefined);

/**
 * `ingress` ranks a client whose location is unknown (no coordinates): from this gateway's
 * own site, as its HTTP requests would be. `direct` needs coordinates; without them the plan
 * is the one from the ingress (decide.ts).
 */
export function steeredSite(
  snapshot: Snapshot,
  service: ServiceView,
  client: ClientLocation,
  ingress: string,
  random: Random,
): Steering {
  const decision = decideForService(snapshot, service, { ingress, client, direct: true }, random);
  if (decision.blocked) return { ok: false, code: decision.blocked };
  for (const candidate of tryOrder(decision)) {
    if (answerable(candidate.site)) return { ok: true, site: candidate.site };
  }
  return { ok: false, code: "no_usable_site" };
}
