/** What `GET /demo/world` answers: every site's gateway, whether it announces, its backends. */
import type { SiteConfig } from "../../routing-tables/catalogue-schema.ts";
import type { RunningGateway } from "../process/start-gateway.ts";
import type { WanBackend } from "./wan-backend.ts";

export function worldReport(
  sites: readonly SiteConfig[],
  gateways: ReadonlyMap<string, RunningGateway>,
  backends: ReadonlyMap<string, readonly WanBackend[]>,
  deliveries: ReadonlyMap<string, number>,
) {
  return {
    sites: sites.map((site) => {
      const gateway = gateways.get(site.id);
      const ready = gateway?.ready();
      return {
        id: site.id,
        name: site.name,
        tier: site.tier,
        gateway: gateway?.url ?? null,
        admin: gateway?.adminUrl ?? null,
        announcing: ready?.ready ?? false,
        reason: ready?.reason ?? "no gateway",
        deliveredByFront: deliveries.get(site.id) ?? 0,
        backends: (backends.get(site.id) ?? []).map((b) => ({
          name: b.name,
          address: b.address,
          alive: b.isAlive(),
          hits: b.hits(),
        })),
      };
    }),
  };
}
