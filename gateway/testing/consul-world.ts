/**
 * Pieces of a Consul test world (test and benchmark only): a loopback boot config, a site
 * entry, the two-site catalogue (edge `near` discovered from Consul service `app` in `near-dc`,
 * hub `hub` with a fixed backend), registering a backend as a passing instance, and a
 * gateway whose Consul client talks to the double.
 */
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { ConsulDouble } from "../../health/testing/consul-double/consul-double.ts";
import { type CatalogueConfig, catalogueSchema } from "../../routing-tables/catalogue-schema.ts";
import { type BootConfig, bootSchema } from "../config/boot-schema.ts";
import {
  type GatewayOptions,
  type RunningGateway,
  startGateway,
} from "../process/start-gateway.ts";
import { TEST_ADMIN_TOKEN } from "./test-admin.ts";

/** A site entry on the equator in Ecuador; `extra` sets longitude, tier, backends or consul. */
export function testSite(id: string, extra: Record<string, unknown>) {
  return { id, name: id, country: "EC", jurisdiction: "EC", latitude: 0, capacity: 100, ...extra };
}

/**
 * The gateway of `near` on 127.0.0.1 port 0, silent, probes off, with a state directory of its
 * own under the system's temporary folder (made only when something is kept); `extra` replaces
 * whole sections.
 */
export function loopbackBoot(extra: Record<string, unknown> = {}): BootConfig {
  return bootSchema.parse({
    site: "near",
    catalogue: "(in memory)",
    policy: "(in memory)",
    listen: { host: "127.0.0.1", port: 0 },
    admin: { host: "127.0.0.1", port: 0 },
    probes: { enabled: false },
    log: { level: "silent", requests: false },
    stateDirectory: join(tmpdir(), "gateway-test-state", randomUUID()),
    ...extra,
  });
}

export function consulCatalogue(
  hubAddress: string,
  extra: { hubLongitude?: number; capacity?: number } = {},
): CatalogueConfig {
  const capacity = extra.capacity ?? 100;
  return catalogueSchema.parse({
    sites: [
      testSite("near", {
        longitude: 0,
        tier: "edge",
        capacity,
        consul: { service: "app", datacenter: "near-dc" },
      }),
      testSite("hub", {
        longitude: extra.hubLongitude ?? 10,
        tier: "hub",
        capacity,
        backends: [hubAddress],
      }),
    ],
  });
}

/** Registers `address` (host:port) as instance `id` of `app` in `near-dc`, check `<id>-ok` passing. */
export function registerApp(double: ConsulDouble, node: string, id: string, address: string): void {
  const [host = "", port = "0"] = address.split(":");
  double.setService(
    "near-dc",
    { Node: node, Address: host },
    { ID: id, Service: "app", Port: Number(port) },
    [{ CheckID: `${id}-ok`, Status: "passing" }],
  );
}

/** A silent gateway whose Consul client talks to `double`; its shutdown removes its state directory. */
export async function startConsulGateway(
  double: ConsulDouble,
  options: Pick<GatewayOptions, "boot" | "catalogue" | "policy">,
): Promise<RunningGateway> {
  const gateway = await startGateway({
    ...options,
    adminToken: TEST_ADMIN_TOKEN,
    logger: pino({ level: "silent" }),
    consul: { address: double.url },
  });
  const shutdown = async (graceMs?: number) => {
    await gateway.shutdown(graceMs);
    rmSync(options.boot.stateDirectory, { recursive: true, force: true });
  };
  return { ...gateway, shutdown };
}
