/**
 * Properties of the routing decision over random worlds (testing/arbitrary-world.ts).
 * The oracles below re-derive, from the generated inputs alone, the few facts a property
 * needs (site state, residency scope, usable capacity), so they do not trust plan.ts.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { catalogueSchema } from "./catalogue-schema.ts";
import type { ClientLocation, ClientMatch } from "./client.ts";
import { type Decision, decide, type Random, type RequestFacts } from "./decide.ts";
import { policySchema, type ResidencyRule, type Tuning } from "./policy-schema.ts";
import { buildSnapshot, type SiteHealth } from "./snapshot.ts";
import {
  arbitraryFacts,
  arbitraryWorld,
  healthFraction,
  snapshotOf,
  type World,
} from "./testing/arbitrary-world.ts";

const RUNS = { numRuns: 300 };
const EPSILON = 1e-9;
/** The largest double below 1: the top of what a Random may return. */
const JUST_BELOW_ONE = 1 - 2 ** -53;

interface ModelSite {
  readonly id: string;
  readonly tier: "edge" | "hub";
  readonly capacity: number;
  readonly jurisdiction: string;
  readonly state: "healthy" | "degraded" | "down" | "draining" | "compromised";
  /** Health fraction, whatever the ops flags say (0 when health says down). */
  readonly fraction: number;
  /** Ops dial 0..1 (catalogue flag, overridden by ops). */
  readonly dial: number;
}

/** What a site is, from the world's inputs (ops flags beat health; ops fields beat catalogue). */
function modelSites(world: World): ModelSite[] {
  return world.catalogue.sites.map((config) => {
    const health = world.health[config.id];
    const ops = { ...config.flags, ...world.overrides[config.id] };
    const healthState = health?.state ?? "healthy";
    const fraction = healthState === "healthy" ? 1 : healthState === "down" ? 0 : health?.fraction;
    const state = ops.compromised
      ? "compromised"
      : ops.draining
        ? "draining"
        : fraction === 0
          ? "down"
          : healthState;
    return {
      id: config.id,
      tier: config.tier,
      capacity: config.capacity,
      jurisdiction: config.jurisdiction,
      state,
      fraction: fraction ?? 1,
      dial: ops.trafficDialPercent / 100,
    };
  });
}

/** The tuning the routed plan follows: the service's fields over the defaults, or for a
 * `dryRun` service the defaults alone. */
function routingTuning(world: World): Tuning {
  const { defaults, services } = world.policy;
  const service = services[0];
  assert.ok(service);
  if (service.dryRun) return defaults;
  const own = Object.entries(service).filter(
    ([key, value]) => value !== undefined && key in defaults,
  );
  return { ...defaults, ...Object.fromEntries(own) };
}

const dialOf = (site: ModelSite, tuning: Tuning) =>
  site.dial * ((tuning.trafficDialPercent[site.id] ?? 100) / 100);

/** May the site take a share outside panic at all? */
function isAvailable(site: ModelSite, tuning: Tuning): boolean {
  if (site.state !== "healthy" && site.state !== "degraded") return false;
  if (tuning.drain.includes(site.id)) return false;
  const health =
    site.state === "healthy" ? 1 : Math.min(1, site.fraction * tuning.overprovisioningFactor);
  return health * dialOf(site, tuning) > 0;
}

function strength(rule: ClientMatch, client: ClientLocation): number {
  if (client.region !== undefined && rule.clientRegions.includes(client.region)) return 3;
  if (client.country !== undefined && rule.clientCountries.includes(client.country)) return 2;
  if (client.continent !== undefined && rule.clientContinents.includes(client.continent)) return 1;
  return 0;
}

/** The residency rule that applies: the most specific match, the first among equals. */
function applicableRule(tuning: Tuning, client: ClientLocation): ResidencyRule | undefined {
  const best = Math.max(0, ...tuning.residency.map((r) => strength(r, client)));
  return best === 0 ? undefined : tuning.residency.find((r) => strength(r, client) === best);
}

interface Scope {
  /** Sites that may serve: not compromised, allowed by the rule in force. */
  readonly eligible: readonly ModelSite[];
  readonly usablePercent: number;
  readonly panic: boolean;
  readonly blocked: boolean;
  readonly failedOpen: boolean;
  readonly rule: ResidencyRule | undefined;
}

function scopeWithin(
  sites: readonly ModelSite[],
  tuning: Tuning,
  rule: ResidencyRule | undefined,
): Omit<Scope, "failedOpen" | "rule"> {
  const eligible = sites.filter(
    (s) => s.state !== "compromised" && (!rule || rule.allowJurisdictions.includes(s.jurisdiction)),
  );
  const capacity = eligible.reduce((sum, s) => sum + s.capacity, 0);
  const usable = eligible.reduce((sum, s) => sum + s.capacity * s.fraction, 0);
  const usablePercent = capacity > 0 ? (100 * usable) / capacity : 0;
  const panic = eligible.length > 0 && usablePercent < tuning.panicThresholdPercent;
  const blocked = !panic && !eligible.some((s) => isAvailable(s, tuning));
  return { eligible, usablePercent, panic, blocked };
}

/** Where the routed plan may look, and what it must conclude, per the rules of plan.ts's header. */
function expectedScope(world: World, tuning: Tuning): Scope {
  const sites = modelSites(world);
  const rule = applicableRule(tuning, world.facts.client);
  const within = scopeWithin(sites, tuning, rule);
  if (within.blocked && rule?.mode === "fail-open") {
    return { ...scopeWithin(sites, tuning, undefined), failedOpen: true, rule };
  }
  return { ...within, failedOpen: false, rule };
}

function decideIn(world: World, random: Random = () => 0.5) {
  const snapshot = snapshotOf(world);
  const decision = decide(snapshot, world.facts, random);
  return { snapshot, decision, tuning: routingTuning(world), sites: modelSites(world) };
}

const weightedOf = (decision: Decision) => decision.plan.candidates.filter((c) => c.weight > 0);

/** Total weight per site id (a site appears at most once, but do not rely on it). */
function weightBySite(decision: Decision): Map<string, number> {
  const weights = new Map<string, number>();
  for (const c of decision.plan.candidates)
    weights.set(c.site.id, (weights.get(c.site.id) ?? 0) + c.weight);
  return weights;
}

/** Reference draw: the first running sum above r. */
const referenceDraw = (cumulative: readonly number[], r: number) =>
  cumulative.findIndex((sum) => sum > r);

describe("decide over random worlds", () => {
  test("a compromised site is never a candidate, weighted or fallback, in panic or not", () => {
    fc.assert(
      fc.property(arbitraryWorld(), (world) => {
        const { decision, sites } = decideIn(world);
        const compromised = new Set(
          sites.filter((s) => s.state === "compromised").map((s) => s.id),
        );
        for (const plan of [decision.plan, decision.plan.dryRun]) {
          for (const c of plan?.candidates ?? []) {
            assert.ok(!compromised.has(c.site.id), `${c.site.id} is compromised`);
            assert.notEqual(c.site.state, "compromised");
          }
        }
      }),
      RUNS,
    );
  });

  test("a matching fail-closed residency rule keeps every candidate in an allowed jurisdiction, or blocks with residency_blocked", () => {
    fc.assert(
      fc.property(arbitraryWorld(), (world) => {
        const { decision, tuning } = decideIn(world);
        const scope = expectedScope(world, tuning);
        const { rule } = scope;
        if (!rule) {
          assert.equal(decision.plan.residency, undefined);
          return;
        }
        assert.deepEqual(decision.plan.residency, {
          rule: rule.name,
          mode: rule.mode,
          failedOpen: scope.failedOpen,
        });
        if (scope.failedOpen) return;
        // Fail-closed, or fail-open that did not need to: residency holds, panic included.
        for (const c of decision.plan.candidates)
          assert.ok(
            rule.allowJurisdictions.includes(c.site.config.jurisdiction),
            `${c.site.id} (${c.site.config.jurisdiction}) outside ${rule.allowJurisdictions}`,
          );
        if (rule.mode === "fail-closed") {
          assert.equal(decision.blocked, scope.blocked ? "residency_blocked" : undefined);
        }
      }),
      RUNS,
    );
  });

  test("the share a site sheds is never lost: it lands on candidates as spill, or the site keeps it", () => {
    // Issue 11: a spill aimed at a site outside the plan (an explicit hub the residency
    // forbids) would vanish in the ranking, and the degraded site keep its whole share.
    fc.assert(
      fc.property(arbitraryWorld(), (world) => {
        const { decision } = decideIn(world);
        const { candidates } = decision.plan;
        for (const c of candidates) {
          for (const reason of c.reasons) {
            if (reason.code !== "keeps-share") continue;
            let landed = 0;
            for (const other of candidates)
              for (const r of other.reasons)
                if (r.code === "spill" && r.from === c.site.id) landed += r.share;
            for (const r of c.reasons) if (r.code === "spill-kept") landed += r.share;
            const shed = reason.of - reason.kept;
            assert.ok(
              Math.abs(landed - shed) <= 1e-9 * Math.max(1, shed),
              `${c.site.id} shed ${shed}, ${landed} landed`,
            );
          }
        }
      }),
      RUNS,
    );
  });

  test("weights are finite and non-negative, the weighted ones come first and sum to 1, and cumulative rises to exactly 1", () => {
    fc.assert(
      fc.property(arbitraryWorld(), (world) => {
        const { decision } = decideIn(world);
        const { candidates, cumulative } = decision.plan;
        for (const c of candidates) assert.ok(Number.isFinite(c.weight) && c.weight >= 0);
        const weighted = weightedOf(decision);
        assert.deepEqual(candidates.slice(0, weighted.length), weighted, "weighted first");
        assert.equal(cumulative.length, weighted.length);
        if (decision.blocked) {
          assert.equal(candidates.length, 0);
          assert.equal(decision.first, -1);
          return;
        }
        assert.ok(weighted.length >= 1, "an unblocked plan has a weighted candidate");
        const total = weighted.reduce((sum, c) => sum + c.weight, 0);
        assert.ok(Math.abs(total - 1) <= EPSILON, `weights sum to ${total}`);
        let running = 0;
        weighted.forEach((c, i) => {
          running += c.weight;
          assert.ok(Math.abs((cumulative[i] ?? Number.NaN) - running) <= EPSILON);
          if (i > 0)
            assert.ok(
              (cumulative[i] ?? 0) >= (cumulative[i - 1] ?? 0),
              `cumulative falls at ${i}: ${cumulative}`,
            );
        });
        assert.equal(cumulative.at(-1), 1);
      }),
      RUNS,
    );
  });

  test("more degradation never means less spill: a lower health fraction never raises the site's weight nor lowers the other hubs' total", () => {
    const lowered = fc.record({
      world: arbitraryWorld(),
      pick: fc.nat(),
      // Mostly ordinary fractions (fc.double favours extremes, whose products underflow).
      high: fc.oneof(
        { arbitrary: fc.double({ min: 1e-6, max: 1, noNaN: true }), weight: 4 },
        { arbitrary: healthFraction, weight: 1 },
      ),
      ratio: fc.double({ min: 1e-6, max: 1, maxExcluded: true, noNaN: true }),
    });
    fc.assert(
      fc.property(lowered, ({ world, pick, high, ratio }) => {
        // Degrade a site that carries weight as generated (a primary or a spill target), where
        // the property has something to say; any site when none does.
        const carrying = new Set(weightedOf(decideIn(world).decision).map((c) => c.site.id));
        const pool = world.catalogue.sites.filter((s) => carrying.size === 0 || carrying.has(s.id));
        const site = pool[pick % pool.length];
        assert.ok(site);
        const low = high * ratio;
        fc.pre(low > 0 && low < high);
        const withFraction = (fraction: number): World => ({
          ...world,
          health: {
            ...world.health,
            [site.id]: { ...world.health[site.id], state: "degraded", fraction },
          },
        });
        const before = decideIn(withFraction(high));
        const after = decideIn(withFraction(low));
        // A kept share of min(1, fraction × overprovisioning) × dials that underflows to 0 (a
        // subnormal fraction) makes the site unusable, i.e. down: the next site in preference
        // order becomes the primary and keeps its share, which is the degraded → down step the
        // property leaves out, not spill.
        const keptShare = (d: typeof before) => {
          const model = d.sites.find((s) => s.id === site.id);
          assert.ok(model);
          return (
            Math.min(1, model.fraction * d.tuning.overprovisioningFactor) * dialOf(model, d.tuning)
          );
        };
        fc.pre(keptShare(after) > 0 || keptShare(before) === 0);
        // Panic spreads by capacity and ignores health, so a site that panic switches on for
        // can gain weight; the property is about spill, so both states must be out of panic
        // (or both in it, where nothing depends on health at all). The same holds inside a
        // fail-open rule's jurisdictions: lower health can switch panic on there, so the plan
        // stops failing open and panics within the rule instead (still "panic" both times, but
        // over a different set of sites); so the rule must fail open in both or in neither.
        const { plan: was } = before.decision;
        const { plan: is } = after.decision;
        fc.pre(was.panic === is.panic && was.residency?.failedOpen === is.residency?.failedOpen);
        const weightOf = (d: Decision) => weightBySite(d).get(site.id) ?? 0;
        const otherHubs = (d: Decision) =>
          weightedOf(d)
            .filter((c) => c.site.tier === "hub" && c.site.id !== site.id)
            .reduce((sum, c) => sum + c.weight, 0);
        const [b, a] = [before.decision, after.decision];
        assert.ok(
          weightOf(a) <= weightOf(b) + EPSILON,
          `${site.id}: ${weightOf(b)} at ${high} → ${weightOf(a)} at ${low}`,
        );
        assert.ok(
          otherHubs(a) >= otherHubs(b) - EPSILON,
          `other hubs: ${otherHubs(b)} at ${high} → ${otherHubs(a)} at ${low}`,
        );
      }),
      RUNS,
    );
  });

  test("decide is deterministic, and first is the candidate the random number selects by cumulative weight", () => {
    const draws = fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
      minLength: 1,
      maxLength: 5,
    });
    fc.assert(
      fc.property(arbitraryWorld(), draws, (world, rs) => {
        const snapshot = snapshotOf(world);
        const fresh = snapshotOf(world);
        for (const r of rs) {
          const decision = decide(snapshot, world.facts, () => r);
          assert.deepEqual(
            decide(snapshot, world.facts, () => r),
            decision,
            "same snapshot",
          );
          assert.deepEqual(
            decide(fresh, world.facts, () => r),
            decision,
            "equal snapshot",
          );
          if (decision.blocked) continue;
          assert.equal(decision.first, referenceDraw(decision.plan.cumulative, r));
        }
        const at = (r: number) => decide(snapshot, world.facts, () => r);
        const last = at(0).plan.cumulative.length - 1;
        if (last < 0) return;
        assert.equal(at(0).first, 0, "r = 0 takes the first weighted candidate");
        // r just below 1 takes the last weighted candidate, except that a share smaller than a
        // double's resolution next to 1 (2^-53) has an empty interval and cannot be drawn.
        const top = at(JUST_BELOW_ONE);
        const skipped = top.plan.candidates.slice(top.first + 1, last + 1);
        for (const c of skipped)
          assert.ok(c.weight < 1e-15, `${c.site.id} (weight ${c.weight}) cannot be drawn`);
      }),
      RUNS,
    );
  });

  test("the plan memo never changes an answer: requests decided in turn on one snapshot get what a fresh snapshot gives each", () => {
    const requests = arbitraryWorld().chain((world) =>
      fc.tuple(
        fc.constant(world),
        fc.array(arbitraryFacts(world.catalogue.sites.map((s) => s.id)), {
          minLength: 1,
          maxLength: 6,
        }),
      ),
    );
    fc.assert(
      fc.property(requests, ([world, more]) => {
        const shared = snapshotOf(world);
        for (const facts of [world.facts, ...more]) {
          const fresh = decide(snapshotOf(world), facts, () => 0.5);
          assert.deepEqual(
            decide(shared, facts, () => 0.5),
            fresh,
            "memoised",
          );
        }
      }),
      RUNS,
    );
  });

  test("the snapshot, its sites and the plan with its candidates are frozen", () => {
    fc.assert(
      fc.property(arbitraryWorld(), (world) => {
        const { snapshot, decision } = decideIn(world);
        assert.ok(Object.isFrozen(snapshot));
        assert.ok(Object.isFrozen(snapshot.sites));
        for (const site of snapshot.sites) assert.ok(Object.isFrozen(site), `site ${site.id}`);
        for (const plan of [decision.plan, decision.plan.dryRun]) {
          if (!plan) continue;
          assert.ok(Object.isFrozen(plan), plan === decision.plan ? "plan" : "dryRun plan");
          assert.ok(Object.isFrozen(plan.candidates), "candidates");
          assert.ok(Object.isFrozen(plan.cumulative), "cumulative");
          assert.ok(Object.isFrozen(plan.excluded), "excluded");
          for (const c of plan.candidates) {
            assert.ok(Object.isFrozen(c), `candidate ${c.site.id}`);
            assert.ok(Object.isFrozen(c.reasons), `${c.site.id} reasons`);
          }
        }
      }),
      RUNS,
    );
  });

  test("outside panic, down, draining, drained and dialled-to-zero sites get no weight", () => {
    fc.assert(
      fc.property(arbitraryWorld(), (world) => {
        const { decision, sites, tuning } = decideIn(world);
        if (decision.plan.panic) return;
        const byId = new Map(sites.map((s) => [s.id, s]));
        for (const c of weightedOf(decision)) {
          const site = byId.get(c.site.id);
          assert.ok(site);
          assert.ok(site.state !== "down" && site.state !== "draining", `${site.id} ${site.state}`);
          assert.ok(!tuning.drain.includes(site.id), `${site.id} drained by policy`);
          assert.ok(dialOf(site, tuning) > 0, `${site.id} dialled to 0`);
        }
      }),
      RUNS,
    );
  });

  test("panic is on exactly when usable capacity is below the threshold, and then every eligible site is weighted by capacity", () => {
    fc.assert(
      fc.property(arbitraryWorld(), (world) => {
        const { decision, tuning } = decideIn(world);
        const scope = expectedScope(world, tuning);
        assert.equal(decision.plan.panic, scope.panic);
        if (scope.eligible.length > 0)
          assert.ok(Math.abs(decision.plan.usablePercent - scope.usablePercent) <= 1e-6);
        if (!scope.panic) return;
        const capacity = scope.eligible.reduce((sum, s) => sum + s.capacity, 0);
        const weights = weightBySite(decision);
        assert.equal(weightedOf(decision).length, scope.eligible.length);
        for (const s of scope.eligible) {
          const weight = weights.get(s.id) ?? 0;
          assert.ok(Math.abs(weight - s.capacity / capacity) <= EPSILON, `${s.id}: ${weight}`);
        }
      }),
      RUNS,
    );
  });
});

/** A site on the equator for the hand-made worlds below. */
const site = (id: string, tier: "edge" | "hub", longitude: number, jurisdiction = "EU") => ({
  id,
  name: id,
  country: "DE",
  jurisdiction,
  latitude: 0,
  longitude,
  tier,
  capacity: 100,
  backends: ["127.0.0.1:8080"],
});

const request = (ingress: string, client: ClientLocation = {}): RequestFacts => ({
  ingress,
  host: "app.example.net",
  path: "/",
  client,
});

describe("decide regressions found by the properties", () => {
  test("a dryRun service's own plan is frozen like the plan that routes", () => {
    const snapshot = buildSnapshot({
      version: 1,
      catalogue: catalogueSchema.parse({ sites: [site("hub", "hub", 0), site("edge", "edge", 1)] }),
      policy: policySchema.parse({ services: [{ name: "web", hosts: ["*"], dryRun: true }] }),
    });
    const { plan } = decide(snapshot, request("edge"), () => 0.5);
    assert.ok(plan.dryRun, "a dryRun service reports its own plan");
    assert.ok(Object.isFrozen(plan));
    assert.ok(Object.isFrozen(plan.dryRun), "the memoised dryRun plan is shared by every request");
  });

  test("cumulative never falls nor passes 1 when tiny spill shares trail the running sum", () => {
    // Three weighted edges spill to a near hub and a far one; proximityScaleMs 1 makes the
    // far hub's share ~1e-43, added after the rounded running sum reached 1.0000000000000002.
    const degraded = (fraction: number): SiteHealth => ({ state: "degraded", fraction });
    const snapshot = buildSnapshot({
      version: 1,
      catalogue: catalogueSchema.parse({
        sites: [
          site("e1", "edge", 0),
          site("e2", "edge", 0.5),
          site("e3", "edge", 0.7),
          site("near", "hub", 1),
          site("far", "hub", 60),
        ],
      }),
      policy: policySchema.parse({
        defaults: {
          steering: "weighted",
          weights: { e1: 1, e2: 1, e3: 1 },
          overprovisioningFactor: 1,
          spill: { proximityScaleMs: 1 },
        },
        services: [{ name: "web", hosts: ["*"] }],
      }),
      health: { e1: degraded(0.4), e2: degraded(0.8), e3: degraded(0.9) },
    });
    const { cumulative } = decide(snapshot, request("e1"), () => 0.5).plan;
    assert.equal(cumulative.length, 5);
    for (let i = 1; i < cumulative.length; i++)
      assert.ok((cumulative[i] ?? 0) >= (cumulative[i - 1] ?? 0), `falls at ${i}: ${cumulative}`);
    assert.ok(Math.max(...cumulative) <= 1, `passes 1: ${cumulative}`);
  });

  test("a fail-closed residency client keeps its rule after a client matching the 257th pin shares the plan memo", () => {
    // An earlier memo key packed the rule and pin indices in 8 bits each: no rule + pin 256
    // and rule 0 + pin 0 must not share a plan. A schema that refuses that many pins also passes.
    const pins = [
      { clientCountries: ["DE"], sites: ["eu"] },
      ...Array.from({ length: 255 }, () => ({ clientCountries: ["JP"], sites: ["us"] })),
      { clientCountries: ["US"], sites: ["us"] },
    ];
    const residency = [{ name: "eu-only", clientCountries: ["DE"], allowJurisdictions: ["EU"] }];
    const policy = policySchema.safeParse({
      defaults: { residency, pins },
      services: [{ name: "web", hosts: ["*"] }],
    });
    if (!policy.success) {
      assert.ok(policy.error.issues.some((issue) => issue.path.includes("pins")));
      return;
    }
    const snapshot = buildSnapshot({
      version: 1,
      catalogue: catalogueSchema.parse({
        sites: [site("us", "hub", 0, "US"), site("eu", "hub", 50, "EU")],
      }),
      policy: policy.data,
    });
    decide(snapshot, request("us", { country: "US" }), () => 0.5);
    const { plan } = decide(snapshot, request("us", { country: "DE" }), () => 0.5);
    assert.deepEqual(plan.residency, { rule: "eu-only", mode: "fail-closed", failedOpen: false });
    assert.deepEqual(
      plan.candidates.map((c) => c.site.id),
      ["eu"],
      "served in the EU only",
    );
  });

  test("two services with their own residency and pins never share a plan in the memo", () => {
    // Service a has the defaults' one rule and one pin, b none of its own. The memo key once
    // mixed the services' radices: with four sites, a's key at the second site (4 × 1) met
    // b's at the first (4 + 0), and b was answered with a's plan.
    const snapshot = buildSnapshot({
      version: 1,
      catalogue: catalogueSchema.parse({
        sites: [
          site("s0", "edge", 0, "BR"),
          site("s1", "edge", 10, "AR"),
          site("s2", "edge", 20, "AR"),
          site("hub", "hub", 50, "US"),
        ],
      }),
      policy: policySchema.parse({
        defaults: {
          residency: [{ name: "r1", clientCountries: ["DE"], allowJurisdictions: ["US"] }],
          pins: [{ clientCountries: ["JP"], sites: ["hub"] }],
        },
        services: [
          { name: "a", hosts: ["a.test"] },
          { name: "b", hosts: ["b.test"], residency: [], pins: [] },
        ],
      }),
    });
    const ingresses = ["s0", "s1", "s2", "hub"];
    const at = (host: string, ingress: string) =>
      decide(snapshot, { ...request(ingress), host }, () => 0.5).plan;
    for (const ingress of ingresses) at("a.test", ingress);
    for (const ingress of ingresses) {
      const plan = at("b.test", ingress);
      assert.equal(plan.service, "b", `b at ${ingress}`);
      assert.equal(plan.ingress, ingress, `b at ${ingress}`);
    }
  });
});
