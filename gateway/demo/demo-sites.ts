/**
 * The demo world's sites: their backends (3 per hub, 2 per edge, `wan-backend.ts`), the
 * catalogue with those backends in it, and the order everything stops in.
 */
import type { CatalogueConfig, SiteConfig } from "../../routing-tables/catalogue-schema.ts";
import type { RunningGateway } from "../process/start-gateway.ts";
import { startWanBackend, type WanBackend } from "./wan-backend.ts";

export async function startBackends(
  sites: readonly SiteConfig[],
  host: string,
): Promise<Map<string, WanBackend[]>> {
  const coordinates = new Map(sites.map((s) => [s.id, s]));
  const coordinatesOf = (id: string) => coordinates.get(id);
  const entries = await Promise.all(
    sites.map(async (site) => {
      const count = site.tier === "hub" ? 3 : 2;
      const list = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          startWanBackend({ siteId: site.id, index: i + 1, coordinatesOf, host }),
        ),
      );
      return [site.id, list] as const;
    }),
  );
  return new Map(entries);
}

/** The catalogue with each site's backends replaced by the servers started for it. */
export function withBackends(
  catalogue: CatalogueConfig,
  backends: ReadonlyMap<string, readonly WanBackend[]>,
): CatalogueConfig {
  return {
    ...catalogue,
    sites: catalogue.sites.map((site) => ({
      ...site,
      backends: (backends.get(site.id) ?? []).map((b) => b.address),
    })),
  };
}

/**
 * Shuts the gateways down, then closes the backends. A gateway's shutdown also waits for its
 * WebSocket connections, which end only when their backend or client goes: so after the
 * grace period (and a margin) the backends are closed anyway, which ends them.
 */
export async function stopSites(
  gateways: ReadonlyMap<string, RunningGateway>,
  backends: ReadonlyMap<string, readonly WanBackend[]>,
  graceMs: number,
): Promise<void> {
  const stopped = Promise.all([...gateways.values()].map((g) => g.shutdown(graceMs)));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise((resolve) => {
    timer = setTimeout(resolve, graceMs + 500);
  });
  await Promise.race([stopped, late]);
  clearTimeout(timer);
  await Promise.all([...backends.values()].flat().map((b) => b.close()));
  await stopped;
}
