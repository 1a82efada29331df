/**
 * The fleet in-process, for tests: gateways (process/start-gateway.ts) each talking to its own
 * datacenter's agent of one Consul double, the place of record in the control datacenters
 * (bootstrapped with the sentinel), each gateway's state directory in a temporary folder. The
 * catalogue is west (edge), hub, east (edge) with backends nobody answers (tests here look at
 * the routing state, not at traffic).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import {
  type ConsulDouble,
  startConsulDouble,
} from "../../health/testing/consul-double/consul-double.ts";
import { catalogueSchema } from "../../routing-tables/catalogue-schema.ts";
import { policySchema } from "../../routing-tables/policy-schema.ts";
import { type RunningGateway, startGateway } from "../process/start-gateway.ts";
import { loopbackBoot, testSite } from "./consul-world.ts";
import { TEST_ADMIN_TOKEN } from "./test-admin.ts";

type After = { after: (fn: () => Promise<void> | void) => void };

const catalogue = catalogueSchema.parse({
  sites: ["west", "hub", "east"].map((id, i) =>
    testSite(id, {
      longitude: i * 10,
      tier: id === "hub" ? "hub" : "edge",
      backends: [`127.0.0.1:${18_000 + i}`],
    }),
  ),
});
const policy = policySchema.parse({ services: [{ name: "web", hosts: ["*"] }] });

export interface FleetGateways {
  readonly double: ConsulDouble;
  start(site: string, extra?: Record<string, unknown>): Promise<RunningGateway>;
  stateOf(gateway: RunningGateway, site: string): string | undefined;
  post(
    gateway: RunningGateway,
    path: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
}

export async function startFleetGateways(
  t: After,
  controls: readonly string[] = ["ctl"],
  auditEntries = 200,
): Promise<FleetGateways> {
  const double = await startConsulDouble({
    datacenters: ["west", "east", ...controls],
    random: () => 0,
  });
  for (const dc of controls) double.putKV(dc, "gw/sentinel", "{}");
  const root = mkdtempSync(join(tmpdir(), "fleet-test-"));
  const gateways: RunningGateway[] = [];
  t.after(async () => {
    for (const g of gateways) await g.shutdown(100);
    await double.close();
    rmSync(root, { recursive: true, force: true });
  });
  return {
    double,
    start: async (site, extra = {}) => {
      const boot = loopbackBoot({
        site,
        stateDirectory: join(root, site),
        consul: {
          enabled: true,
          datacenter: site,
          kvPrefix: "gw",
          controlDatacenters: controls,
          register: false,
          waitMs: 2_000,
          recoveryProbeMs: 50,
          auditEntries,
          coordinatesIntervalMs: 3_600_000,
          fleetLeaveAfterMs: 300,
        },
        ...extra,
      });
      const gateway = await startGateway({
        boot,
        catalogue,
        policy,
        logger: pino({ level: "silent" }),
        adminToken: TEST_ADMIN_TOKEN,
        consul: { address: double.urlOf(site) },
      });
      gateways.push(gateway);
      return gateway;
    },
    stateOf: (gateway, site) =>
      gateway.state.snapshot.sites[gateway.state.snapshot.siteIndex.get(site) ?? -1]?.state,
    post: async (gateway, path, headers = {}) => {
      const authorization = `Bearer ${TEST_ADMIN_TOKEN}`;
      const res = await fetch(`${gateway.adminUrl}${path}`, {
        method: "POST",
        headers: { authorization, ...headers },
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
  };
}

/** Whether the gateway's /sites says it can read the place of record now. */
export const readable = async (gateway: RunningGateway) => {
  const sites = (await (await fetch(`${gateway.adminUrl}/sites`)).json()) as {
    fleet: { controlPlane: { readable: boolean } };
  };
  return sites.fleet.controlPlane.readable;
};
