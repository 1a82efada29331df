/**
 * Random routing worlds for property tests: a valid catalogue and policy (built through the
 * zod schemas, so defaults are filled exactly as in production), health, ops overrides,
 * some measured RTTs, and one request's facts. Small value sets (jurisdictions, countries,
 * continents) keep residency rules and pins matching often enough to matter.
 */
import fc from "fast-check";
import { type CatalogueConfig, catalogueSchema } from "../catalogue-schema.ts";
import type { RequestFacts } from "../decide.ts";
import { type PolicyConfig, policySchema } from "../policy-schema.ts";
import { buildSnapshot, type OpsOverride, type SiteHealth, type Snapshot } from "../snapshot.ts";

export const JURISDICTIONS = ["EU", "US", "TZ", "BR"] as const;
const SITE_COUNTRIES = ["DE", "FR", "US", "TZ", "BR", "AE"] as const;
const CLIENT_COUNTRIES = ["DE", "US", "TZ", "BR"] as const;
const CLIENT_CONTINENTS = ["EU", "NA", "AF", "SA"] as const;
const CLIENT_REGIONS = ["TZ-15", "DE-BY", "BR-SP"] as const;

/** Everything buildSnapshot and decide need, as plain data (fast-check prints it on failure). */
export interface World {
  readonly catalogue: CatalogueConfig;
  readonly policy: PolicyConfig;
  readonly health: Readonly<Record<string, SiteHealth>>;
  readonly overrides: Readonly<Record<string, OpsOverride>>;
  readonly measuredRttMs: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly facts: RequestFacts;
}

export function snapshotOf(world: World, version = 1): Snapshot {
  return buildSnapshot({
    version,
    catalogue: world.catalogue,
    policy: world.policy,
    health: world.health,
    overrides: world.overrides,
    measuredRttMs: world.measuredRttMs,
  });
}

/** true about one time in `outOf`. */
const rarely = (outOf: number) =>
  fc.oneof(
    { arbitrary: fc.constant(false), weight: outOf - 1 },
    { arbitrary: fc.constant(true), weight: 1 },
  );

/** Percent dial: mostly full, sometimes off, sometimes anywhere in between. */
const dialPercent = fc.oneof(
  { arbitrary: fc.constant(100), weight: 3 },
  { arbitrary: fc.constant(0), weight: 1 },
  { arbitrary: fc.double({ min: 0, max: 100, noNaN: true }), weight: 2 },
);

/** A health fraction in (0, 1]. */
export const healthFraction = fc.double({ min: 0, max: 1, minExcluded: true, noNaN: true });

const siteHealth: fc.Arbitrary<SiteHealth> = fc
  .record(
    {
      state: fc.constantFrom("healthy", "degraded", "degraded", "down"),
      fraction: healthFraction,
      serviceLatencyMs: fc.double({ min: 0, max: 200, noNaN: true }),
      saturation: fc.double({ min: 0, max: 1.5, noNaN: true }),
    },
    { requiredKeys: ["state", "fraction"] },
  )
  .map((h) => ({
    ...h,
    fraction: h.state === "healthy" ? 1 : h.state === "down" ? 0 : h.fraction,
  }));

const opsOverride: fc.Arbitrary<OpsOverride> = fc.record(
  { draining: rarely(6), compromised: rarely(6), trafficDialPercent: dialPercent },
  { requiredKeys: [] },
);

const siteFields = fc.record({
  tier: fc.constantFrom("edge", "edge", "hub"),
  jurisdiction: fc.constantFrom(...JURISDICTIONS),
  country: fc.constantFrom(...SITE_COUNTRIES),
  latitude: fc.double({ min: -90, max: 90, noNaN: true }),
  longitude: fc.double({ min: -180, max: 180, noNaN: true }),
  capacity: fc.integer({ min: 1, max: 10_000 }),
  flags: fc.record(
    { draining: rarely(10), compromised: rarely(10), trafficDialPercent: dialPercent },
    { requiredKeys: [] },
  ),
});

const clientMatch = {
  clientCountries: fc.subarray([...CLIENT_COUNTRIES]),
  clientContinents: fc.subarray([...CLIENT_CONTINENTS]),
  clientRegions: fc.subarray([...CLIENT_REGIONS], { maxLength: 1 }),
};

const residencyRule = fc.record({
  name: fc.constantFrom("rule-a", "rule-b", "rule-c"),
  ...clientMatch,
  allowJurisdictions: fc.subarray([...JURISDICTIONS], { minLength: 1 }),
  mode: fc.constantFrom("fail-closed", "fail-open"),
});

/** Per-site values for a random subset of ids. */
function perSite<T>(ids: readonly string[], value: fc.Arbitrary<T>) {
  return fc
    .subarray([...ids])
    .chain((chosen) => fc.tuple(...chosen.map((id) => value.map((v) => [id, v] as const))))
    .map((entries) => Object.fromEntries(entries) as Record<string, T>);
}

function tuningFor(ids: readonly string[], hubIds: readonly string[]) {
  return fc.record({
    steering: fc.constantFrom("nearest", "latency", "weighted"),
    weights: perSite(
      ids,
      fc.oneof(fc.integer({ min: 0, max: 10 }), fc.double({ min: 0, max: 1000, noNaN: true })),
    ),
    trafficDialPercent: perSite(ids, dialPercent),
    drain: fc.oneof(
      { arbitrary: fc.constant([]), weight: 4 },
      { arbitrary: fc.subarray([...ids], { maxLength: 2 }), weight: 1 },
    ),
    overprovisioningFactor: fc.double({ min: 1, max: 3, noNaN: true }),
    panicThresholdPercent: fc.oneof(
      fc.integer({ min: 0, max: 100 }),
      fc.double({ min: 0, max: 100, noNaN: true }),
    ),
    hubOrder: fc.shuffledSubarray([...hubIds]),
    residency: fc.array(residencyRule, { maxLength: 3 }),
    pins: fc.array(
      fc.record({ ...clientMatch, sites: fc.shuffledSubarray([...ids], { minLength: 1 }) }),
      { maxLength: 2 },
    ),
    spill: fc.record({
      proximityScaleMs: fc.oneof(fc.constant(20), fc.double({ min: 1, max: 1000, noNaN: true })),
    }),
  });
}

/**
 * The tuning lives in the defaults, or in the service itself; a service may also be a
 * `dryRun`, which then routes by the (schema-default) defaults.
 */
function policyFor(ids: readonly string[], hubIds: readonly string[]) {
  return fc
    .record({
      tuning: tuningFor(ids, hubIds),
      where: fc.constantFrom("defaults", "service", "service-dry-run"),
    })
    .map(({ tuning, where }) =>
      policySchema.parse(
        where === "defaults"
          ? { defaults: tuning, services: [{ name: "web", hosts: ["*"] }] }
          : {
              services: [
                { name: "web", hosts: ["*"], ...tuning, dryRun: where === "service-dry-run" },
              ],
            },
      ),
    );
}

const client = fc.record(
  {
    country: fc.constantFrom(...CLIENT_COUNTRIES),
    continent: fc.constantFrom(...CLIENT_CONTINENTS),
    region: fc.constantFrom(...CLIENT_REGIONS),
    latitude: fc.double({ min: -90, max: 90, noNaN: true }),
    longitude: fc.double({ min: -180, max: 180, noNaN: true }),
  },
  { requiredKeys: [] },
);

/** One request at one of the given ingress sites, from a random client. */
export function arbitraryFacts(ids: readonly string[]): fc.Arbitrary<RequestFacts> {
  return fc.record({
    ingress: fc.constantFrom(...ids),
    host: fc.constant("app.example.net"),
    path: fc.constant("/"),
    client,
    direct: rarely(4),
  });
}

function measuredFor(ids: readonly string[]) {
  const id = fc.constantFrom(...ids);
  return fc
    .array(fc.tuple(id, id, fc.double({ min: 0, max: 500, noNaN: true })), { maxLength: 6 })
    .map((entries) => {
      const table: Record<string, Record<string, number>> = {};
      for (const [from, to, ms] of entries) table[from] = { ...table[from], [to]: ms };
      return table;
    });
}

/** 2..20 sites with unique ids, at least one hub; everything else random. */
export function arbitraryWorld(): fc.Arbitrary<World> {
  return fc
    .uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{0,3}$/), { minLength: 2, maxLength: 20 })
    .chain((ids) =>
      fc
        .record({
          fields: fc.tuple(...ids.map(() => siteFields)),
          hub: fc.nat({ max: ids.length - 1 }),
        })
        .map(({ fields, hub }) =>
          catalogueSchema.parse({
            sites: fields.map((f, i) => ({
              id: ids[i],
              name: `site ${ids[i]}`,
              backends: ["127.0.0.1:8080"],
              ...f,
              tier: i === hub ? "hub" : f.tier,
            })),
          }),
        ),
    )
    .chain((catalogue) => {
      const ids = catalogue.sites.map((s) => s.id);
      const hubIds = catalogue.sites.filter((s) => s.tier === "hub").map((s) => s.id);
      return fc.record({
        catalogue: fc.constant(catalogue),
        policy: policyFor(ids, hubIds),
        health: perSite(ids, siteHealth),
        overrides: perSite(ids, opsOverride),
        measuredRttMs: measuredFor(ids),
        facts: arbitraryFacts(ids),
      });
    });
}
