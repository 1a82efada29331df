/**
 * A small world for decision tests: sites on the equator, with measured RTTs from ingress
 * `a` so every weight can be worked out by hand. Test-only.
 */
import { catalogueSchema } from "../catalogue-schema.ts";
import type { ClientLocation } from "../client.ts";
import { type Decision, decide, type RequestFacts } from "../decide.ts";
import { policySchema } from "../policy-schema.ts";
import { buildSnapshot, type OpsOverride, type SiteHealth, type Snapshot } from "../snapshot.ts";

export interface LineSite {
  readonly id: string;
  readonly tier: "edge" | "hub";
  readonly jurisdiction: string;
  readonly longitude: number;
  readonly capacity: number;
  /** Measured RTT from ingress `a`, ms. */
  readonly rttFromA: number;
}

/** a, b, c are edges; h1 and h2 hubs; jurisdictions J1 (a, b, h1) and J2 (c, h2). */
export const LINE_SITES: readonly LineSite[] = [
  { id: "a", tier: "edge", jurisdiction: "J1", longitude: 0, capacity: 100, rttFromA: 1 },
  { id: "b", tier: "edge", jurisdiction: "J1", longitude: 1, capacity: 100, rttFromA: 3 },
  { id: "c", tier: "edge", jurisdiction: "J2", longitude: 2, capacity: 100, rttFromA: 5 },
  { id: "h1", tier: "hub", jurisdiction: "J1", longitude: 5, capacity: 1000, rttFromA: 10 },
  { id: "h2", tier: "hub", jurisdiction: "J2", longitude: 10, capacity: 1000, rttFromA: 30 },
];

export interface LineWorldOptions {
  readonly defaults?: Record<string, unknown>;
  readonly services?: readonly Record<string, unknown>[];
  readonly health?: Record<string, SiteHealth>;
  readonly overrides?: Record<string, OpsOverride>;
  readonly sites?: readonly LineSite[];
}

export function lineWorld(options: LineWorldOptions = {}): Snapshot {
  const sites = options.sites ?? LINE_SITES;
  const catalogue = catalogueSchema.parse({
    sites: sites.map((s, i) => ({
      id: s.id,
      name: s.id.toUpperCase(),
      country: "EC",
      jurisdiction: s.jurisdiction,
      latitude: 0,
      longitude: s.longitude,
      tier: s.tier,
      capacity: s.capacity,
      backends: [`127.0.0.1:${20_000 + i}`],
    })),
  });
  const policy = policySchema.parse({
    defaults: options.defaults ?? {},
    services: options.services ?? [{ name: "web", hosts: ["web.test"] }],
  });
  const fromA = Object.fromEntries(sites.map((s) => [s.id, s.rttFromA]));
  return buildSnapshot({
    version: 1,
    catalogue,
    policy,
    health: options.health,
    overrides: options.overrides,
    measuredRttMs: { a: fromA },
  });
}

export function decideAt(
  snapshot: Snapshot,
  client: ClientLocation = {},
  facts: Partial<RequestFacts> = {},
  random = 0,
): Decision {
  return decide(
    snapshot,
    { ingress: "a", host: "web.test", path: "/", client, ...facts },
    () => random,
  );
}

/** { siteId: weight } of the weighted candidates, rounded to 1e-6. */
export function shares(decision: Decision): Record<string, number> {
  return Object.fromEntries(
    decision.plan.candidates
      .filter((c) => c.weight > 0)
      .map((c) => [c.site.id, Math.round(c.weight * 1e6) / 1e6]),
  );
}
