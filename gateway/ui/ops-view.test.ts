import assert from "node:assert/strict";
import { test } from "node:test";
import { opsView as build, type GatewayReport, type Mode } from "./ops-view.ts";
import { BODY_LIMITS, readSitesBody } from "./sites-body.ts";

/** Longitude and latitude as x and y: enough to see that the projection was applied. */
const flat = (longitude: number, latitude: number) => [longitude, -latitude] as const;

const opsView = (mode: Mode, self: string, reports: GatewayReport[], project = flat) =>
  build({ mode, self, reports, project });

const PLACES: Record<string, { latitude: number; longitude: number; capacity: number }> = {
  fra: { latitude: 50.1, longitude: 8.7, capacity: 4000 },
  lhr: { latitude: 51.5, longitude: -0.1, capacity: 1000 },
  znz: { latitude: -6.2, longitude: 39.2, capacity: 250 },
};

/** A gateway's readable answer, with each site's state from `states`. */
function read(ingress: string, states: Record<string, unknown>, extra = {}): GatewayReport {
  const sites = Object.entries(states).map(([id, state]) => ({
    id,
    name: id.toUpperCase(),
    tier: id === "fra" ? "hub" : "edge",
    ...PLACES[id],
    state,
    shareFromHere: { web: id === ingress ? 1 : 0 },
  }));
  const parsed = readSitesBody({ ingress, sites, ...extra });
  assert.ok(parsed.ok);
  return { id: ingress, ingress, reachable: true, body: parsed.body };
}

const down = (ingress: string): GatewayReport => ({
  id: ingress,
  ingress,
  reachable: false,
  error: "no answer within 2000 ms",
});

const ALL_HEALTHY = { fra: "healthy", lhr: "healthy", znz: "healthy" };

const cases: {
  name: string;
  mode: Mode;
  reports: GatewayReport[];
  expect: Record<string, [state: string, gateway: string]>;
}[] = [
  {
    name: "one gateway alone shows its own view; the other sites' gateways are not watched",
    mode: "single",
    reports: [read("fra", { ...ALL_HEALTHY, lhr: "degraded" })],
    expect: {
      fra: ["healthy", "up"],
      lhr: ["degraded", "not-watched"],
      znz: ["healthy", "not-watched"],
    },
  },
  {
    name: "a site whose gateway does not answer is unreachable, though others see it healthy",
    mode: "fleet",
    reports: [read("fra", ALL_HEALTHY), read("lhr", ALL_HEALTHY), down("znz")],
    expect: {
      fra: ["healthy", "up"],
      lhr: ["healthy", "up"],
      znz: ["unreachable", "unreachable"],
    },
  },
  {
    name: "a site in nobody's fleet list is unreachable (missing), never healthy",
    mode: "fleet",
    reports: [read("fra", ALL_HEALTHY), read("lhr", ALL_HEALTHY)],
    expect: { znz: ["unreachable", "missing"] },
  },
  {
    name: "a compromise known elsewhere outranks an unreachable gateway",
    mode: "fleet",
    reports: [
      read("fra", { ...ALL_HEALTHY, znz: "compromised" }),
      read("lhr", ALL_HEALTHY),
      down("znz"),
    ],
    expect: { znz: ["compromised", "unreachable"] },
  },
  {
    name: "the worst state any gateway reports is the site's",
    mode: "fleet",
    reports: [
      read("fra", { ...ALL_HEALTHY, lhr: "down" }),
      read("lhr", { ...ALL_HEALTHY, lhr: "draining" }),
      read("znz", { ...ALL_HEALTHY, lhr: "degraded" }),
    ],
    expect: { lhr: ["down", "up"], fra: ["healthy", "up"] },
  },
  {
    name: "a state the view does not know is unknown, not healthy",
    mode: "single",
    reports: [read("fra", { ...ALL_HEALTHY, lhr: "quarantined", znz: 7 })],
    expect: { lhr: ["unknown", "not-watched"], znz: ["unknown", "not-watched"] },
  },
  {
    name: "with only this gateway readable, every other site is unreachable",
    mode: "fleet",
    reports: [read("fra", ALL_HEALTHY), down("lhr"), down("znz")],
    expect: {
      fra: ["healthy", "up"],
      lhr: ["unreachable", "unreachable"],
      znz: ["unreachable", "unreachable"],
    },
  },
];

for (const c of cases)
  test(c.name, () => {
    const view = opsView(c.mode, "fra", c.reports, flat);
    for (const [id, [state, gateway]] of Object.entries(c.expect)) {
      const site = view.sites.find((s) => s.id === id);
      assert.ok(site, `no site ${id}`);
      assert.deepEqual([site.state, site.gateway], [state, gateway], id);
    }
  });

test("sites come in the first answer's order, with places projected and sized by capacity", () => {
  const view = opsView("fleet", "fra", [read("lhr", ALL_HEALTHY), read("fra", ALL_HEALTHY)], flat);
  assert.deepEqual(
    view.sites.map((s) => s.id),
    ["fra", "lhr", "znz"],
  );
  const fra = view.sites[0];
  const znz = view.sites[2];
  assert.deepEqual([fra?.x, fra?.y], [8.7, -50.1]);
  assert.ok(fra && znz && fra.radius > znz.radius, "the bigger site has the bigger marker");
  assert.equal(fra?.radius, 16, "the biggest capacity gets the largest marker");
  assert.deepEqual(view.services, ["web"]);
});

test("a site without coordinates has no place on the map but keeps its row", () => {
  const parsed = readSitesBody({ ingress: "fra", sites: [{ id: "fra", state: "healthy" }] });
  assert.ok(parsed.ok);
  const view = opsView(
    "single",
    "fra",
    [{ id: "fra", ingress: "fra", reachable: true, body: parsed.body }],
    flat,
  );
  assert.deepEqual(
    [view.sites[0]?.x, view.sites[0]?.y, view.sites[0]?.capacity],
    [null, null, null],
  );
});

test("gateways disagreeing about a site are marked, with what each says", () => {
  const view = opsView(
    "fleet",
    "fra",
    [
      read("fra", { ...ALL_HEALTHY, lhr: "down" }),
      read("lhr", ALL_HEALTHY),
      read("znz", ALL_HEALTHY),
    ],
    flat,
  );
  const lhr = view.sites.find((s) => s.id === "lhr");
  assert.equal(lhr?.disagree, true);
  assert.deepEqual(lhr?.seenAs, { fra: "down", lhr: "healthy", znz: "healthy" });
  assert.equal(view.sites.find((s) => s.id === "fra")?.disagree, false);
});

test("an unreachable gateway's row says why, and holds no readings", () => {
  const view = opsView("fleet", "fra", [read("fra", ALL_HEALTHY), down("znz")], flat);
  const znz = view.gateways.find((g) => g.id === "znz");
  assert.deepEqual(
    [znz?.reachable, znz?.error, Object.keys(znz?.sites ?? {})],
    [false, "no answer within 2000 ms", []],
  );
});

test("overrides with who, when and why are shown as recorded; bare flags as what they do", () => {
  const records = {
    opsOverrides: {
      znz: [
        {
          scope: "fleet",
          flags: { compromised: true },
          who: "amina@10.0.0.9",
          at: "2025-01-01T10:00:00.000Z",
          why: "INC-42",
          generation: 3,
        },
      ],
    },
  };
  const withRecords = opsView("single", "fra", [read("fra", ALL_HEALTHY, records)], flat);
  assert.deepEqual(withRecords.gateways[0]?.sites.znz?.overrides, [
    {
      what: ["compromised"],
      scope: "fleet",
      who: "amina@10.0.0.9",
      at: "2025-01-01T10:00:00.000Z",
      why: "INC-42",
      expiresAt: null,
    },
  ]);
  const flags = { overrides: { lhr: { draining: true, trafficDialPercent: 40 } } };
  const bare = opsView("single", "fra", [read("fra", ALL_HEALTHY, flags)], flat);
  assert.deepEqual(bare.gateways[0]?.sites.lhr?.overrides[0]?.what, ["draining", "dial 40%"]);
  assert.deepEqual(bare.gateways[0]?.sites.fra?.overrides, []);
});

test("gateways that each list other sites cannot grow the view past one answer's limit", () => {
  const many = (ingress: string) => {
    const states: Record<string, unknown> = {};
    for (let i = 0; i < BODY_LIMITS.sites; i++) states[`${ingress}-${i}`] = "healthy";
    return read(ingress, states);
  };
  const view = opsView("fleet", "a", [many("a"), many("b"), many("c")]);
  assert.equal(view.sites.length, BODY_LIMITS.sites);
  assert.equal(view.sites[0]?.id, "a-0", "the first answer's sites come first");
  assert.match(
    view.problems.join("\n"),
    new RegExp(`${2 * BODY_LIMITS.sites} more site\\(s\\) listed`),
  );
});
