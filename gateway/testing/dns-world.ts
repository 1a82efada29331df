/**
 * The reference world as DNS steering sees it, for the tests of gateway/dns/: its snapshot
 * (with ops overrides or health if asked), the demo GeoIP database's places as client
 * locations, and DNS settings for the zone example.test.
 */

import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { CatalogueConfig } from "../../routing-tables/catalogue-schema.ts";
import type { ClientLocation } from "../../routing-tables/client.ts";
import { buildSnapshot, type Snapshot, type SnapshotInput } from "../../routing-tables/snapshot.ts";
import { bootSchema } from "../config/boot-schema.ts";
import {
  DEMO_GEOIP,
  loadWorld,
  REFERENCE_CATALOGUE,
  REFERENCE_POLICY,
} from "../config/config-files.ts";
import type { DnsSettings } from "../config/dns-schema.ts";
import { type RunningGateway, startGateway } from "../process/start-gateway.ts";
import { TEST_ADMIN_TOKEN } from "./test-admin.ts";

interface Place {
  readonly id: string;
  readonly sample: string;
  readonly country: string;
  readonly subdivision: { readonly iso: string };
  readonly continent: string;
  readonly latitude: number;
  readonly longitude: number;
}

const PLACES: readonly Place[] = JSON.parse(
  readFileSync(join(import.meta.dirname, "../demo/geoip/clients.json"), "utf8"),
);

/** A demo place (`zanzibar`, `paris`, …) as the GeoIP adapter would locate it. */
export function placeLocation(id: string): ClientLocation {
  const place = PLACES.find((p) => p.id === id);
  if (!place) throw new Error(`no demo place ${id}`);
  return {
    country: place.country,
    region: `${place.country}-${place.subdivision.iso}`,
    continent: place.continent,
    latitude: place.latitude,
    longitude: place.longitude,
  };
}

/** The reference world's snapshot; `input` adds health, overrides or another catalogue. */
export function referenceSnapshot(input: Partial<SnapshotInput> = {}): Snapshot {
  const world = loadWorld(REFERENCE_CATALOGUE, REFERENCE_POLICY);
  if (!world.ok) throw new Error("the reference world does not load");
  return buildSnapshot({ version: 1, catalogue: world.catalogue, policy: world.policy, ...input });
}

/** Boot DNS settings for example.test with two name servers; `more` overrides fields. */
export function exampleDnsSettings(more: Partial<DnsSettings> = {}): DnsSettings {
  const boot = bootSchema.parse({
    site: "fra",
    catalogue: "c",
    policy: "p",
    dns: {
      enabled: true,
      zones: [
        {
          name: "example.test",
          hostmaster: "ops@example.test",
          nameServers: [
            { name: "ns1.example.test", ipv4: "192.0.2.53", ipv6: "2001:db8:ff::53" },
            { name: "ns2.example.test", ipv4: "192.0.2.54" },
          ],
        },
      ],
    },
  });
  return { ...boot.dns, ...more };
}

export const EXAMPLE_ZONE = {
  name: "example.test",
  hostmaster: "ops@example.test",
  nameServers: [
    { name: "ns1.example.test", ipv4: "192.0.2.53" },
    { name: "ns2.example.test", ipv4: "192.0.2.54" },
  ],
};

export interface DnsGatewayOptions {
  /** TTL of steered answers, s (tests use 0). */
  readonly ttlSeconds?: number;
  /** Default: the reference world's (its backends are not running: keep probes off). */
  readonly catalogue?: CatalogueConfig;
  /** Boot `probes` settings; default off. */
  readonly probes?: Record<string, unknown>;
  readonly logLevel?: "silent" | "info";
}

/**
 * The gateway of site fra over the reference world, with the demo GeoIP database and DNS
 * answers for example.test on a port of its own (`dnsUrl`); admin API and data plane on port 0.
 */
export async function startDnsGateway(options: DnsGatewayOptions = {}): Promise<RunningGateway> {
  const world = loadWorld(REFERENCE_CATALOGUE, REFERENCE_POLICY);
  if (!world.ok) throw new Error("the reference world does not load");
  const boot = bootSchema.parse({
    site: "fra",
    catalogue: REFERENCE_CATALOGUE,
    policy: REFERENCE_POLICY,
    geoip: DEMO_GEOIP,
    listen: { host: "127.0.0.1", port: 0 },
    admin: { host: "127.0.0.1", port: 0 },
    probes: options.probes ?? { enabled: false },
    log: { level: "silent", requests: false },
    // Never the machine's /var/lib/gateway: an override posted in a test is kept here.
    stateDirectory: join(tmpdir(), "gateway-test-state", randomUUID()),
    dns: {
      enabled: true,
      listen: { host: "127.0.0.1", port: 0 },
      ttlSeconds: options.ttlSeconds ?? 0,
      zones: [EXAMPLE_ZONE],
    },
  });
  return startGateway({
    boot,
    catalogue: options.catalogue ?? world.catalogue,
    policy: world.policy,
    logger: pino({ level: options.logLevel ?? "silent" }),
    adminToken: TEST_ADMIN_TOKEN,
  });
}
