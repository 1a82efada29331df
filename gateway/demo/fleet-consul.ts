/**
 * The demo world's fleet mode (`npm start -- --fleet`): every site in a Consul datacenter of its
 * own, as the deploy has it, in one in-process Consul HTTP double (health/testing/consul-double/,
 * the test double — the demo is a consumer, never shipped). The hubs' datacenters are the place
 * of record (hubs first, as the deploy's template); each is bootstrapped with the fleet's
 * sentinel, as the runbook does. Each gateway talks to its own datacenter's agent, so an ops
 * override posted to any gateway is written to the hubs' KV and read back by every gateway
 * across the "WAN" — the fleet path, not a shortcut.
 */
import { startConsulDouble } from "../../health/testing/consul-double/consul-double.ts";
import type { CatalogueConfig } from "../../routing-tables/catalogue-schema.ts";

/** The fleet prefix the demo uses (the deploy template's). */
export const DEMO_FLEET_PREFIX = "gateway";

export interface DemoFleet {
  /** The Consul settings of one site's gateway: its datacenter's agent, the control datacenters. */
  forSite(siteId: string): { address: string; boot: Record<string, unknown> };
  readonly controlDatacenters: readonly string[];
  close(): Promise<void>;
}

export async function startDemoFleet(catalogue: CatalogueConfig): Promise<DemoFleet> {
  const sites = catalogue.sites.map((s) => s.id);
  const controls = catalogue.sites.filter((s) => s.tier === "hub").map((s) => s.id);
  const double = await startConsulDouble({ datacenters: sites });
  for (const dc of controls)
    double.putKV(
      dc,
      `${DEMO_FLEET_PREFIX}/sentinel`,
      JSON.stringify({ fleet: DEMO_FLEET_PREFIX, by: "npm start --fleet" }),
    );
  return {
    controlDatacenters: controls,
    forSite: (siteId) => ({
      address: double.urlOf(siteId),
      boot: {
        enabled: true,
        datacenter: siteId,
        kvPrefix: DEMO_FLEET_PREFIX,
        controlDatacenters: controls,
        register: false,
        // Short waits keep a restart of the demo quick; the watch wakes on every write anyway.
        waitMs: 60_000,
        coordinatesIntervalMs: 3_600_000,
      },
    }),
    close: () => double.close(),
  };
}
