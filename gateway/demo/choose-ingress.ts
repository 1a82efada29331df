/**
 * Where the demo's anycast stand-in delivers a client: the site nearest to the client by
 * great-circle distance among the sites that announce the VIP right now. BGP would pick by
 * AS path and the operators' local preferences, not by kilometres; for a demo whose sites sit
 * in different cities, distance gives the same answer a well-peered network would.
 *
 * A client whose location is unknown goes to the first announcing hub in catalogue order
 * (`defaultSite` when given and announcing), else to the first announcing site. Pure.
 */
import type { ClientLocation } from "../../routing-tables/client.ts";
import { nearestSite } from "../../routing-tables/geo.ts";

export interface AnycastSite {
  readonly id: string;
  readonly tier: "edge" | "hub";
  readonly latitude: number;
  readonly longitude: number;
}

/**
 * The announcing site the client is delivered to, or undefined when no site announces.
 * `sites` in catalogue order; ties in distance go to the earlier site.
 */
export function chooseIngress(
  sites: readonly AnycastSite[],
  client: ClientLocation,
  isAnnouncing: (siteId: string) => boolean,
  defaultSite?: string,
): string | undefined {
  const announcing = sites.filter((site) => isAnnouncing(site.id));
  const { latitude, longitude } = client;
  if (latitude === undefined || longitude === undefined) {
    const fallback =
      announcing.find((site) => site.id === defaultSite) ??
      announcing.find((site) => site.tier === "hub") ??
      announcing[0];
    return fallback?.id;
  }
  return nearestSite(announcing, { latitude, longitude })?.id;
}
