/**
 * Where anycast delivers a client: the nearest site, by great-circle distance, among the sites
 * that announce the VIP. A site announces while it can serve (healthy or degraded); a down,
 * draining or compromised site withdraws. BGP picks by AS path and local preference, not by
 * kilometres; for sites in different cities, distance gives the answer a well-peered network
 * would. `explain`, `simulate`, `diff` and the demo's decision table all ask here. Pure.
 */
import type { ClientLocation } from "./client.ts";
import { nearestSite } from "./geo.ts";
import type { SiteView, Snapshot } from "./snapshot.ts";

/** Whether the site's gateway announces the anycast VIP in this snapshot. */
export const isAnnouncing = (site: SiteView): boolean =>
  site.state === "healthy" || site.state === "degraded";

/** The id of the announcing site nearest the client; undefined without coordinates or sites. */
export function nearestAnnouncingSite(
  snapshot: Snapshot,
  client: ClientLocation,
): string | undefined {
  const { latitude, longitude } = client;
  if (latitude === undefined || longitude === undefined) return undefined;
  const announcing = snapshot.sites.filter(isAnnouncing).map((site) => site.config);
  return nearestSite(announcing, { latitude, longitude })?.id;
}
