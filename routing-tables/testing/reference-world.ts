/**
 * The reference world (reference-world/) for table tests, and a few of its clients: the
 * cities of the demo GeoIP database (gateway/demo/geoip/README.md), as locations. Test-only.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CatalogueConfig } from "../catalogue-schema.ts";
import type { ClientLocation } from "../client.ts";
import { validateConfig } from "../load-config.ts";
import type { PolicyConfig } from "../policy-schema.ts";
import { buildSnapshot, type Snapshot, type SnapshotInput } from "../snapshot.ts";

const FOLDER = join(import.meta.dirname, "..", "reference-world");

export interface ReferenceWorld {
  readonly catalogue: CatalogueConfig;
  readonly policy: PolicyConfig;
}

/** The reference catalogue and policy; `policyText` replaces the policy file's text. */
export function referenceWorld(policyText?: string): ReferenceWorld {
  const read = (name: string) => readFileSync(join(FOLDER, name), "utf8");
  const result = validateConfig([
    { file: "catalogue.yaml", text: read("catalogue.yaml") },
    { file: "policy.yaml", text: policyText ?? read("policy.yaml") },
  ]);
  if (!result.ok || !result.catalogue || !result.policy)
    throw new Error(`reference world invalid: ${JSON.stringify(result)}`);
  return { catalogue: result.catalogue, policy: result.policy };
}

export function referenceSnapshot(
  input: Partial<SnapshotInput> = {},
  world: ReferenceWorld = referenceWorld(),
): Snapshot {
  return buildSnapshot({ version: 1, ...world, ...input });
}

export const REFERENCE_POLICY_TEXT = readFileSync(join(FOLDER, "policy.yaml"), "utf8");

/** Clients by city, as the demo database places them. */
export const CITIES = {
  zanzibar: {
    country: "TZ",
    region: "TZ-15",
    continent: "AF",
    latitude: -6.1659,
    longitude: 39.2026,
  },
  darEsSalaam: {
    country: "TZ",
    region: "TZ-02",
    continent: "AF",
    latitude: -6.7924,
    longitude: 39.2083,
  },
  paris: { country: "FR", region: "FR-IDF", continent: "EU", latitude: 48.8566, longitude: 2.3522 },
  london: {
    country: "GB",
    region: "GB-ENG",
    continent: "EU",
    latitude: 51.5074,
    longitude: -0.1278,
  },
  saoPaulo: {
    country: "BR",
    region: "BR-SP",
    continent: "SA",
    latitude: -23.5505,
    longitude: -46.6333,
  },
  buenosAires: {
    country: "AR",
    region: "AR-C",
    continent: "SA",
    latitude: -34.6037,
    longitude: -58.3816,
  },
  nairobi: {
    country: "KE",
    region: "KE-30",
    continent: "AF",
    latitude: -1.2864,
    longitude: 36.8172,
  },
  tokyo: {
    country: "JP",
    region: "JP-13",
    continent: "AS",
    latitude: 35.6762,
    longitude: 139.6503,
  },
} as const satisfies Record<string, ClientLocation>;
