import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { decideForService, planFor, tryOrder } from "./decide.ts";
import { decideAt, lineWorld, shares } from "./testing/line-world.ts";

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-6, `${what}: ${actual} is not ${expected}`);

/** Spill from `a` at ingress `a` over healthy idle hubs: h1 (10 ms) and h2 (30 ms), τ = 20 ms. */
const H1_SPILL_SHARE = 1 / (1 + Math.exp(-20 / 20));

describe("nearest steering", () => {
  test("with every site healthy the nearest site by measured RTT gets every request", () => {
    assert.deepEqual(shares(decideAt(lineWorld())), { a: 1 });
  });

  test("the other usable sites follow as weight-0 fallbacks in RTT order", () => {
    const order = tryOrder(decideAt(lineWorld())).map((c) => [c.site.id, c.weight]);
    assert.deepEqual(order, [
      ["a", 1],
      ["b", 0],
      ["c", 0],
      ["h1", 0],
      ["h2", 0],
    ]);
  });

  test("a down nearest site hands its whole share to the next nearest, not to the hubs", () => {
    const world = lineWorld({ health: { a: { state: "down", fraction: 0 } } });
    assert.deepEqual(shares(decideAt(world)), { b: 1 });
  });

  test("a draining site gets nothing and is listed as excluded", () => {
    const decision = decideAt(lineWorld({ overrides: { a: { draining: true } } }));
    assert.deepEqual(shares(decision), { b: 1 });
    assert.deepEqual(decision.plan.excluded, [{ site: "a", code: "draining" }]);
  });

  test("a site drained by the service's policy gets nothing for that service", () => {
    const decision = decideAt(lineWorld({ defaults: { drain: ["a"] } }));
    assert.deepEqual(shares(decision), { b: 1 });
    assert.deepEqual(decision.plan.excluded, [{ site: "a", code: "drained-by-policy" }]);
  });

  test("a traffic dial at 0 acts as a drain", () => {
    const decision = decideAt(lineWorld({ overrides: { a: { trafficDialPercent: 0 } } }));
    assert.deepEqual(shares(decision), { b: 1 });
    assert.deepEqual(decision.plan.excluded, [{ site: "a", code: "dial-zero" }]);
  });

  test("without a measurement the great-circle estimate ranks the sites", () => {
    const world = lineWorld();
    const decision = decideAt(world, {}, { ingress: "c" });
    assert.deepEqual(shares(decision), { c: 1 });
    assert.deepEqual(
      decision.plan.candidates.slice(1, 3).map((c) => c.site.id),
      ["b", "a"],
      "from c, b (1° away) comes before a (2° away)",
    );
  });

  test("a hub that is the nearest site serves its own clients", () => {
    assert.deepEqual(shares(decideAt(lineWorld(), {}, { ingress: "h1" })), { h1: 1 });
  });

  test("direct answers rank by the client's own distance to each site", () => {
    const client = { latitude: 0, longitude: 9.5 };
    assert.deepEqual(shares(decideAt(lineWorld(), client, { direct: true })), { h2: 1 });
    assert.deepEqual(shares(decideAt(lineWorld(), client)), { a: 1 }, "proxied: from the ingress");
  });
});

describe("latency and weighted steering", () => {
  test("latency steering adds each site's service time to its RTT", () => {
    const world = lineWorld({
      defaults: { steering: "latency" },
      health: { a: { state: "healthy", fraction: 1, serviceLatencyMs: 5 } },
    });
    const decision = decideAt(world);
    assert.deepEqual(shares(decision), { b: 1 });
    assert.equal(decision.plan.candidates[0]?.reasons[0]?.code, "lowest-latency");
  });

  test("weighted steering splits by the policy's weights", () => {
    const world = lineWorld({ defaults: { steering: "weighted", weights: { a: 1, h1: 3 } } });
    assert.deepEqual(shares(decideAt(world)), { h1: 0.75, a: 0.25 });
  });

  test("weighted steering with no usable weighted site falls back to nearest", () => {
    const world = lineWorld({
      defaults: { steering: "weighted", weights: { h1: 1 } },
      health: { h1: { state: "down", fraction: 0 } },
    });
    assert.deepEqual(shares(decideAt(world)), { a: 1 });
  });

  test("a degraded weighted site spills its lost part to the other hubs", () => {
    const world = lineWorld({
      defaults: { steering: "weighted", weights: { h1: 1, h2: 1 } },
      health: { h1: { state: "degraded", fraction: 0.5 } },
    });
    assert.deepEqual(shares(decideAt(world)), { h2: 0.65, h1: 0.35 });
  });
});

describe("degradation and spill-over to the hubs", () => {
  test("a degraded site keeps health × overprovisioning of its share and spills the rest by proximity", () => {
    const decision = decideAt(lineWorld({ health: { a: { state: "degraded", fraction: 0.5 } } }));
    const s = shares(decision);
    close(s.a ?? 0, 0.7, "a keeps 0.5 × 1.4");
    close(s.h1 ?? 0, 0.3 * H1_SPILL_SHARE, "h1, the nearer hub");
    close(s.h2 ?? 0, 0.3 * (1 - H1_SPILL_SHARE), "h2, 20 ms further");
    assert.deepEqual(
      decision.plan.candidates.find((c) => c.site.id === "h1")?.reasons.map((r) => r.code),
      ["spill"],
    );
  });

  test("a degraded site whose kept share rounds to 0 is excluded as down, not silently dropped", () => {
    const world = lineWorld({
      health: { a: { state: "degraded", fraction: 5e-324 } },
      overrides: { a: { trafficDialPercent: 40 } },
    });
    const decision = decideAt(world);
    assert.deepEqual(shares(decision), { b: 1 });
    assert.deepEqual(decision.plan.excluded, [{ site: "a", code: "down" }]);
  });

  test("a site at or above 1/overprovisioning health keeps its whole share", () => {
    const world = lineWorld({ health: { a: { state: "degraded", fraction: 1 / 1.4 + 1e-9 } } });
    assert.deepEqual(shares(decideAt(world)), { a: 1 });
  });

  test("the overprovisioning factor is the policy's", () => {
    const world = lineWorld({
      defaults: { overprovisioningFactor: 1 },
      health: { a: { state: "degraded", fraction: 0.5 } },
    });
    close(shares(decideAt(world)).a ?? 0, 0.5, "a keeps 0.5 × 1");
  });

  test("a traffic dial keeps that percent of the share and spills the rest", () => {
    const world = lineWorld({ overrides: { a: { trafficDialPercent: 40 } } });
    close(shares(decideAt(world)).a ?? 0, 0.4, "a keeps 40%");
  });

  test("the policy's dial and the site's dial multiply", () => {
    const world = lineWorld({
      defaults: { trafficDialPercent: { a: 50 } },
      overrides: { a: { trafficDialPercent: 50 } },
    });
    close(shares(decideAt(world)).a ?? 0, 0.25, "a keeps 50% of 50%");
  });

  test("a saturated hub takes less of the spill", () => {
    const world = lineWorld({
      health: {
        a: { state: "degraded", fraction: 0.5 },
        h1: { state: "healthy", fraction: 1, saturation: 0.9 },
      },
    });
    const h1Weight = 1000 * 0.1;
    const h2Weight = 1000 * Math.exp(-1);
    close(shares(decideAt(world)).h1 ?? 0, (0.3 * h1Weight) / (h1Weight + h2Weight), "h1 share");
  });

  test("a policy hub order sends the whole spill to its first usable hub", () => {
    const world = lineWorld({
      defaults: { hubOrder: ["h2", "h1"] },
      health: { a: { state: "degraded", fraction: 0.5 } },
    });
    const s = shares(decideAt(world));
    assert.deepEqual(Object.keys(s).sort(), ["a", "h2"]);
    close(s.h2 ?? 0, 0.3, "h2 takes the spill");
  });

  test("the hubs a geo pin lists set the spill order for its clients", () => {
    const world = lineWorld({
      defaults: { pins: [{ clientCountries: ["EC"], sites: ["a", "h2"] }] },
      health: { a: { state: "degraded", fraction: 0.5 } },
    });
    const s = shares(decideAt(world, { country: "EC" }));
    close(s.h2 ?? 0, 0.3, "the pinned hub takes the spill");
  });

  test("with no usable hub the spill goes to the next nearest usable site", () => {
    const world = lineWorld({
      health: {
        a: { state: "degraded", fraction: 0.5 },
        h1: { state: "down", fraction: 0 },
        h2: { state: "down", fraction: 0 },
      },
      defaults: { panicThresholdPercent: 0 },
    });
    const s = shares(decideAt(world));
    close(s.b ?? 0, 0.3, "b takes the spill");
  });

  test("with nothing else usable a degraded site keeps the share it should shed", () => {
    const only = [
      { id: "h1", tier: "hub", jurisdiction: "J1", longitude: 0, capacity: 10, rttFromA: 1 },
    ] as const;
    const world = lineWorld({
      sites: [{ ...only[0], id: "a" }],
      health: { a: { state: "degraded", fraction: 0.5 } },
    });
    const decision = decideAt(world);
    assert.deepEqual(shares(decision), { a: 1 });
    assert.ok(decision.plan.candidates[0]?.reasons.some((r) => r.code === "spill-kept"));
  });

  // Issue 11: an explicit hub the client's residency forbids must be passed over, never
  // taken as the spill's target (which rank() would then drop, leaving the site its 100 %).
  // A TZ client may be served in J1 only (a, b, h1); h2 is in J2.
  const inJ1 = [{ name: "j1-only", clientCountries: ["TZ"], allowJurisdictions: ["J1"] }];
  const hubCases: readonly [string, Record<string, unknown>, Record<string, number>][] = [
    [
      "a policy hub order whose first hub is outside the residency spills to its next allowed hub",
      { hubOrder: ["h2", "h1"] },
      { a: 0.7, h1: 0.3 },
    ],
    [
      "a policy hub order with only hubs outside the residency spills to the allowed hubs by proximity",
      { hubOrder: ["h2"] },
      { a: 0.7, h1: 0.3 },
    ],
    [
      "a geo pin whose hub is outside the residency spills to the next allowed hub it lists",
      { pins: [{ clientCountries: ["TZ"], sites: ["a", "h2", "h1"] }] },
      { a: 0.7, h1: 0.3 },
    ],
    [
      "a geo pin listing only a hub outside the residency spills to the allowed hubs by proximity",
      { pins: [{ clientCountries: ["TZ"], sites: ["a", "h2"] }] },
      { a: 0.7, h1: 0.3 },
    ],
  ];
  for (const [name, tuning, expected] of hubCases) {
    test(name, () => {
      const world = lineWorld({
        defaults: { ...tuning, residency: inJ1 },
        health: { a: { state: "degraded", fraction: 0.5 } },
      });
      const decision = decideAt(world, { country: "TZ" });
      const s = shares(decision);
      assert.deepEqual(Object.keys(s).sort(), Object.keys(expected).sort());
      for (const [site, share] of Object.entries(expected)) close(s[site] ?? 0, share, site);
      assert.ok(decision.plan.candidates.every((c) => c.site.config.jurisdiction === "J1"));
    });
  }

  test("an explicit hub outside the residency with no allowed hub left spills to the next allowed site", () => {
    const world = lineWorld({
      defaults: { hubOrder: ["h2"], residency: inJ1, panicThresholdPercent: 0 },
      health: { a: { state: "degraded", fraction: 0.5 }, h1: { state: "down", fraction: 0 } },
    });
    const s = shares(decideAt(world, { country: "TZ" }));
    close(s.b ?? 0, 0.3, "b, the next allowed site, takes the spill");
    assert.equal(s.h2, undefined);
  });
});

describe("compromised sites", () => {
  test("a compromised site gets nothing and is not even a fallback", () => {
    const decision = decideAt(lineWorld({ overrides: { a: { compromised: true } } }));
    assert.deepEqual(shares(decision), { b: 1 });
    assert.ok(decision.plan.candidates.every((c) => c.site.id !== "a"));
    assert.deepEqual(decision.plan.excluded, [{ site: "a", code: "compromised" }]);
  });

  test("a compromised site gets nothing in panic either", () => {
    const world = lineWorld({
      overrides: { h1: { compromised: true } },
      health: {
        a: { state: "down", fraction: 0 },
        b: { state: "down", fraction: 0 },
        h2: { state: "down", fraction: 0 },
      },
    });
    const decision = decideAt(world);
    assert.equal(decision.plan.panic, true);
    assert.ok(decision.plan.candidates.every((c) => c.site.id !== "h1"));
  });

  test("with every site compromised the answer is no usable site", () => {
    const all = Object.fromEntries(
      ["a", "b", "c", "h1", "h2"].map((id) => [id, { compromised: true }]),
    );
    const decision = decideAt(lineWorld({ overrides: all }));
    assert.equal(decision.blocked, "no_usable_site");
    assert.equal(decision.first, -1);
  });
});

describe("panic", () => {
  const mostlyDown = {
    a: { state: "down", fraction: 0 },
    h1: { state: "down", fraction: 0 },
    h2: { state: "degraded", fraction: 0.2 },
  } as const;

  test("below the panic threshold load spreads over every eligible site by capacity", () => {
    const decision = decideAt(lineWorld({ health: mostlyDown }));
    assert.equal(decision.plan.panic, true);
    const total = 100 + 100 + 100 + 1000 + 1000;
    const s = shares(decision);
    close(s.a ?? 0, 100 / total, "a, down but in panic");
    close(s.h1 ?? 0, 1000 / total, "h1");
    assert.equal(decision.plan.candidates[0]?.reasons[0]?.code, "panic");
  });

  test("at or above the threshold there is no panic", () => {
    const decision = decideAt(
      lineWorld({ health: mostlyDown, defaults: { panicThresholdPercent: 10 } }),
    );
    assert.equal(decision.plan.panic, false);
    assert.deepEqual(Object.keys(shares(decision)).sort(), ["b"]);
  });

  test("usable percent weighs health by capacity", () => {
    const decision = decideAt(lineWorld({ health: mostlyDown }));
    close(decision.plan.usablePercent, (100 * (100 + 100 + 200)) / 2300, "usable %");
  });
});

describe("residency", () => {
  const rule = (mode: string) => ({
    residency: [{ name: "stay-in-j2", clientCountries: ["TZ"], allowJurisdictions: ["J2"], mode }],
  });

  test("a matching rule keeps the client's requests in the allowed jurisdictions", () => {
    const decision = decideAt(lineWorld({ defaults: rule("fail-closed") }), { country: "TZ" });
    assert.deepEqual(shares(decision), { c: 1 });
    assert.deepEqual(
      decision.plan.candidates.map((c) => c.site.id),
      ["c", "h2"],
    );
    assert.deepEqual(decision.plan.residency, {
      rule: "stay-in-j2",
      mode: "fail-closed",
      failedOpen: false,
    });
  });

  test("clients the rule does not match are not restricted", () => {
    assert.deepEqual(
      shares(decideAt(lineWorld({ defaults: rule("fail-closed") }), { country: "KE" })),
      { a: 1 },
    );
  });

  test("spill stays inside the allowed jurisdictions", () => {
    const world = lineWorld({
      defaults: rule("fail-closed"),
      health: { c: { state: "degraded", fraction: 0.5 } },
    });
    const s = shares(decideAt(world, { country: "TZ" }));
    assert.deepEqual(Object.keys(s).sort(), ["c", "h2"]);
  });

  test("panic stays inside the allowed jurisdictions", () => {
    const world = lineWorld({
      defaults: rule("fail-closed"),
      health: { c: { state: "down", fraction: 0 }, h2: { state: "down", fraction: 0 } },
    });
    const decision = decideAt(world, { country: "TZ" });
    assert.equal(decision.plan.panic, true);
    assert.deepEqual(Object.keys(shares(decision)).sort(), ["c", "h2"]);
  });

  test("fail-closed with no allowed site usable answers residency_blocked, never a site abroad", () => {
    const world = lineWorld({
      defaults: { ...rule("fail-closed"), panicThresholdPercent: 0 },
      health: { c: { state: "down", fraction: 0 }, h2: { state: "down", fraction: 0 } },
    });
    const decision = decideAt(world, { country: "TZ" });
    assert.equal(decision.blocked, "residency_blocked");
    assert.deepEqual(decision.plan.candidates, []);
  });

  test("fail-closed with every allowed site compromised answers residency_blocked even with panic on", () => {
    const world = lineWorld({
      defaults: rule("fail-closed"),
      overrides: { c: { compromised: true }, h2: { compromised: true } },
    });
    assert.equal(decideAt(world, { country: "TZ" }).blocked, "residency_blocked");
  });

  test("fail-open with no allowed site usable routes as if there were no rule, and says so", () => {
    const world = lineWorld({
      defaults: { ...rule("fail-open"), panicThresholdPercent: 0 },
      health: { c: { state: "down", fraction: 0 }, h2: { state: "down", fraction: 0 } },
    });
    const decision = decideAt(world, { country: "TZ" });
    assert.deepEqual(shares(decision), { a: 1 });
    assert.equal(decision.plan.residency?.failedOpen, true);
  });

  test("a rule for the client's region beats one for its country", () => {
    const world = lineWorld({
      defaults: {
        residency: [
          { name: "country", clientCountries: ["TZ"], allowJurisdictions: ["J2"] },
          { name: "region", clientRegions: ["TZ-15"], allowJurisdictions: ["J1"] },
        ],
      },
    });
    assert.equal(
      decideAt(world, { country: "TZ", region: "TZ-15" }).plan.residency?.rule,
      "region",
    );
    assert.equal(
      decideAt(world, { country: "TZ", region: "TZ-02" }).plan.residency?.rule,
      "country",
    );
  });
});

describe("geo pins", () => {
  const pinned = { pins: [{ clientCountries: ["TZ"], sites: ["c", "b"] }] };

  test("a pinned client goes to the first usable site of its pin", () => {
    const decision = decideAt(lineWorld({ defaults: pinned }), { country: "TZ" });
    assert.deepEqual(shares(decision), { c: 1 });
    assert.deepEqual(decision.plan.candidates[0]?.reasons, [{ code: "pinned", position: 1 }]);
    assert.deepEqual(
      decision.plan.candidates.slice(0, 2).map((c) => c.site.id),
      ["c", "b"],
    );
  });

  test("when the pin's first site is down the next pinned site takes over", () => {
    const world = lineWorld({ defaults: pinned, health: { c: { state: "down", fraction: 0 } } });
    assert.deepEqual(shares(decideAt(world, { country: "TZ" })), { b: 1 });
  });

  test("a region pin beats a country pin, which beats a continent pin", () => {
    const world = lineWorld({
      defaults: {
        pins: [
          { clientContinents: ["AF"], sites: ["h1"] },
          { clientCountries: ["TZ"], sites: ["c"] },
          { clientRegions: ["TZ-15"], sites: ["b"] },
        ],
      },
    });
    assert.deepEqual(shares(decideAt(world, { continent: "AF", country: "TZ", region: "TZ-15" })), {
      b: 1,
    });
    assert.deepEqual(shares(decideAt(world, { continent: "AF", country: "TZ", region: "TZ-02" })), {
      c: 1,
    });
    assert.deepEqual(shares(decideAt(world, { continent: "AF", country: "KE" })), { h1: 1 });
  });
});

describe("services, dry runs and the memo", () => {
  const services = [
    { name: "exact", hosts: ["api.test"] },
    { name: "exact-v2", hosts: ["api.test"], pathPrefix: "/v2/" },
    { name: "wild", hosts: ["*.test"] },
    { name: "deep-wild", hosts: ["*.eu.test"] },
    { name: "any", hosts: ["*"] },
  ];
  const serviceFor = (host: string, path = "/") =>
    decideAt(lineWorld({ services }), {}, { host, path }).plan.service;

  test("an exact host beats a wildcard, which beats the catch-all", () => {
    assert.equal(serviceFor("api.test"), "exact");
    assert.equal(serviceFor("other.test"), "wild");
    assert.equal(serviceFor("example.org"), "any");
  });

  test("the longer wildcard wins", () => {
    assert.equal(serviceFor("x.eu.test"), "deep-wild");
  });

  test("the longest matching path prefix wins among a host's services", () => {
    assert.equal(serviceFor("api.test", "/v2/users"), "exact-v2");
    assert.equal(serviceFor("api.test", "/v1/users"), "exact");
  });

  test("the Host header is matched without port, trailing dot or case", () => {
    assert.equal(serviceFor("API.Test.:8443"), "exact");
  });

  test("a host no service serves is blocked as unknown_host", () => {
    const decision = decideAt(lineWorld(), {}, { host: "nope.example" });
    assert.equal(decision.blocked, "unknown_host");
  });

  test("a dry-run service routes as the defaults and reports its own decision", () => {
    const world = lineWorld({
      services: [{ name: "web", hosts: ["web.test"], dryRun: true, drain: ["a"] }],
    });
    const decision = decideAt(world);
    assert.deepEqual(shares(decision), { a: 1 }, "routed as the defaults");
    assert.equal(decision.plan.dryRun?.candidates[0]?.site.id, "b", "what the policy would do");
  });

  test("clients matching the same rule and pin share one memoised plan; another pin gets its own", () => {
    const world = lineWorld({ defaults: { pins: [{ clientRegions: ["TZ-15"], sites: ["b"] }] } });
    const facts = {
      ingress: "a",
      host: "web.test",
      path: "/",
      client: { country: "TZ", region: "TZ-02" },
    };
    const zanzibar = { ...facts, client: { country: "TZ", region: "TZ-15" } };
    assert.equal(planFor(world, facts), planFor(world, { ...facts, client: { country: "KE" } }));
    assert.notEqual(planFor(world, facts), planFor(world, zanzibar));
    assert.equal(planFor(world, zanzibar).candidates[0]?.site.id, "b");
  });

  test("an unknown ingress is a programming error", () => {
    assert.throws(() => decideAt(lineWorld(), {}, { ingress: "zz" }), RangeError);
  });
});

describe("the weighted draw", () => {
  const world = lineWorld({ defaults: { steering: "weighted", weights: { a: 1, b: 1, h1: 2 } } });

  test("the random number picks the candidate whose running sum first exceeds it", () => {
    assert.equal(tryOrder(decideAt(world, {}, {}, 0))[0]?.site.id, "h1");
    assert.equal(tryOrder(decideAt(world, {}, {}, 0.5))[0]?.site.id, "a");
    assert.equal(tryOrder(decideAt(world, {}, {}, 0.75))[0]?.site.id, "b");
    assert.equal(tryOrder(decideAt(world, {}, {}, 0.999999))[0]?.site.id, "b");
  });

  test("the try order puts the drawn site first and keeps the rest as ranked", () => {
    const order = tryOrder(decideAt(world, {}, {}, 0.75)).map((c) => c.site.id);
    assert.deepEqual(order, ["b", "h1", "a", "c", "h2"]);
  });

  test("a decision for a service draws as a decision for a request to that service", () => {
    const [web] = world.services;
    assert.ok(web);
    for (const r of [0, 0.5, 0.75, 0.999999]) {
      const byRequest = decideAt(world, {}, {}, r);
      const byService = decideForService(world, web, { ingress: "a", client: {} }, () => r);
      assert.equal(byService.plan, byRequest.plan, "the same memoised plan");
      assert.equal(byService.first, byRequest.first, `the same draw at ${r}`);
    }
  });
});
