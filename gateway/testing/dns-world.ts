/**
 * The reference world as DNS steering sees it, for the tests of gateway/dns/: its snapshot
 * (with ops overrides or health if asked), the demo GeoIP database's places as client
 * locations, and DNS settings for the zone example.test.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ClientLocation } from "../../routing-tables/client.ts";
import { buildSnapshot, type Snapshot, type SnapshotInput } from "../../routing-tables/snapshot.ts";
import { bootSchema, type DnsSettings } from "../config/boot-schema.ts";
import { loadWorld, REFERENCE_CATALOGUE, REFERENCE_POLICY } from "../config/config-files.ts";

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
