// pickBackend is pure: table tests over stand-in backends with an injected random source.
// Upstreams.sync does I/O: real undici pools against real backends on 127.0.0.1 port 0,
// closed with t.after.
import assert from "node:assert/strict";
import { test } from "node:test";
import { catalogueSchema } from "../../routing-tables/catalogue-schema.ts";
import { policySchema } from "../../routing-tables/policy-schema.ts";
import { buildSnapshot, type SiteView } from "../../routing-tables/snapshot.ts";
import { mulberry32 } from "../../routing-tables/testing/random.ts";
import { testSite } from "../testing/consul-world.ts";
import { startBackend } from "../testing/fixtures.ts";
import { type Backend, pickBackend, Upstreams } from "./upstreams.ts";

/** A stand-in backend: pickBackend reads only the breaker's isOpen and `outstanding`. */
const backend = (id: string, outstanding: number, open = false): Backend =>
  ({ id, address: id, breaker: { isOpen: open }, outstanding }) as unknown as Backend;

/** A random source that returns the given numbers in turn, then fails the test. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => {
    const value = values[i++];
    if (value === undefined) throw new Error(`random called more than ${values.length} times`);
    return value;
  };
}

interface PickCase {
  readonly name: string;
  readonly backends: readonly Backend[];
  readonly random: () => number;
  readonly exclude?: readonly string[];
  readonly expected: string | undefined;
}

const cases: readonly PickCase[] = [
  {
    name: "pickBackend prefers the backend with fewer requests outstanding",
    backends: [backend("a", 5), backend("b", 1)],
    random: sequence(),
    expected: "b",
  },
  {
    name: "pickBackend prefers the less loaded of two whichever comes first",
    backends: [backend("a", 0), backend("b", 7)],
    random: sequence(),
    expected: "a",
  },
  {
    name: "pickBackend breaks a tie with the random source: low picks the first",
    backends: [backend("a", 2), backend("b", 2)],
    random: sequence(0.2),
    expected: "a",
  },
  {
    name: "pickBackend breaks a tie with the random source: high picks the second",
    backends: [backend("a", 2), backend("b", 2)],
    random: sequence(0.7),
    expected: "b",
  },
  {
    name: "pickBackend compares the two drawn of three, not the best of all",
    // Draw for c: slot ⌊0.9 × 3⌋ = 2 keeps a and b; b has fewer outstanding than a.
    backends: [backend("a", 4), backend("b", 3), backend("c", 0)],
    random: sequence(0.9),
    expected: "b",
  },
  {
    name: "pickBackend puts the third backend in the first slot when the draw says so",
    backends: [backend("a", 4), backend("b", 3), backend("c", 0)],
    random: sequence(0.1),
    expected: "c",
  },
  {
    name: "pickBackend skips a backend whose breaker is open",
    backends: [backend("a", 0, true), backend("b", 9)],
    random: sequence(),
    expected: "b",
  },
  {
    name: "pickBackend skips excluded backends",
    backends: [backend("a", 0), backend("b", 9)],
    random: sequence(),
    exclude: ["a"],
    expected: "b",
  },
  {
    name: "pickBackend returns undefined when every breaker is open",
    backends: [backend("a", 0, true), backend("b", 0, true)],
    random: sequence(),
    expected: undefined,
  },
  {
    name: "pickBackend returns undefined when every backend is excluded or open",
    backends: [backend("a", 0, true), backend("b", 0)],
    random: sequence(),
    exclude: ["b"],
    expected: undefined,
  },
  {
    name: "pickBackend returns undefined for a site without backends",
    backends: [],
    random: sequence(),
    expected: undefined,
  },
];

for (const c of cases) {
  test(c.name, () => {
    const exclude = new Set(c.backends.filter((b) => c.exclude?.includes(b.id)));
    assert.equal(pickBackend(c.backends, c.random, exclude)?.id, c.expected);
  });
}

test("pickBackend never picks the most loaded backend and spreads over the others", () => {
  const backends = [0, 1, 2, 3, 4].map((n) => backend(`b${n}`, n));
  const random = mulberry32(42);
  const counts = new Map<string, number>();
  for (let i = 0; i < 2_000; i++) {
    const id = pickBackend(backends, random)?.id ?? "none";
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  assert.equal(counts.get("b4"), undefined);
  // Two of five drawn: the least loaded wins whenever it is drawn, 40% of the time.
  const best = (counts.get("b0") ?? 0) / 2_000;
  assert.ok(best > 0.3 && best < 0.5, `b0 won ${best}`);
  for (const id of ["b1", "b2", "b3"]) assert.ok((counts.get(id) ?? 0) > 0, id);
});

function sitesOf(backends: Record<string, readonly string[]>): readonly SiteView[] {
  const catalogue = catalogueSchema.parse({
    sites: Object.entries(backends).map(([id, list], i) =>
      testSite(id, { longitude: i, tier: i === 0 ? "hub" : "edge", capacity: 10, backends: list }),
    ),
  });
  const policy = policySchema.parse({ services: [{ name: "web", hosts: ["*"] }] });
  return buildSnapshot({ version: 1, catalogue, policy }).sites;
}

function upstreams(t: { after: (fn: () => Promise<void>) => void }): Upstreams {
  const breaker = { volumeThreshold: 10, errorThresholdPercentage: 50, resetTimeoutMs: 5_000 };
  const settings = { ...breaker, rollingWindowMs: 10_000, capacity: 100 };
  const u = new Upstreams({
    pool: {
      connections: 2,
      keepAliveTimeoutMs: 1_000,
      connectTimeoutMs: 1_000,
      queueTimeoutMs: 1_000,
    },
    siteBreaker: settings,
    backendBreaker: settings,
    onBreaker: () => {},
  });
  t.after(() => u.close());
  return u;
}

const addresses = (u: Upstreams, site: string) => u.site(site)?.backends.map((b) => b.address);

test("Upstreams.sync opens a working pool for every backend of every site", async (t) => {
  const [one, two] = [await startBackend("hub-1"), await startBackend("edge-1")];
  t.after(() => Promise.all([one.kill(), two.kill()]));
  const u = upstreams(t);
  await u.sync(sitesOf({ hub: [one.address], edge: [two.address] }));
  assert.deepEqual(addresses(u, "hub"), [one.address]);
  assert.deepEqual(addresses(u, "edge"), [two.address]);
  assert.deepEqual(
    u.site("edge")?.backends.map((b) => b.id),
    [`edge/${two.address}`],
  );
  const pool = u.site("edge")?.backends[0]?.pool;
  assert.ok(pool);
  const res = await pool.request({ method: "GET", path: "/ping" });
  assert.equal(res.statusCode, 200);
  assert.equal(((await res.body.json()) as { backend: string }).backend, "edge-1");
});

test("Upstreams.sync keeps the pool, breaker and count of a backend that stays", async (t) => {
  const u = upstreams(t);
  await u.sync(sitesOf({ hub: ["127.0.0.1:1001", "127.0.0.1:1002"] }));
  const kept = u.site("hub")?.backends[0];
  const siteBreaker = u.site("hub")?.breaker;
  assert.ok(kept);
  kept.outstanding = 3;
  await u.sync(sitesOf({ hub: ["127.0.0.1:1001", "127.0.0.1:1003"] }));
  assert.equal(u.site("hub")?.backends[0], kept);
  assert.equal(u.site("hub")?.breaker, siteBreaker);
  assert.equal(kept.outstanding, 3);
  assert.equal(kept.pool.closed, false);
  assert.deepEqual(addresses(u, "hub"), ["127.0.0.1:1001", "127.0.0.1:1003"]);
});

test("Upstreams.sync closes the pool of a backend that left its site", async (t) => {
  const u = upstreams(t);
  await u.sync(sitesOf({ hub: ["127.0.0.1:1001", "127.0.0.1:1002"] }));
  const leaving = u.site("hub")?.backends[1];
  assert.ok(leaving);
  await u.sync(sitesOf({ hub: ["127.0.0.1:1001"] }));
  assert.equal(leaving.pool.closed, true);
  assert.deepEqual(addresses(u, "hub"), ["127.0.0.1:1001"]);
});

test("Upstreams.sync drops a site that left the catalogue and closes its pools", async (t) => {
  const u = upstreams(t);
  await u.sync(sitesOf({ hub: ["127.0.0.1:1001"], edge: ["127.0.0.1:1002"] }));
  const gone = u.site("edge")?.backends[0];
  assert.ok(gone);
  await u.sync(sitesOf({ hub: ["127.0.0.1:1001"] }));
  assert.equal(u.site("edge"), undefined);
  assert.equal(gone.pool.closed, true);
  assert.deepEqual(
    [...u.all()].map((s) => s.siteId),
    ["hub"],
  );
});

test("Upstreams.close closes every pool", async (t) => {
  const u = upstreams(t);
  await u.sync(sitesOf({ hub: ["127.0.0.1:1001"], edge: ["127.0.0.1:1002", "127.0.0.1:1003"] }));
  const pools = [...u.all()].flatMap((s) => s.backends.map((b) => b.pool));
  await u.close();
  assert.deepEqual(
    pools.map((p) => p.closed),
    [true, true, true],
  );
  assert.deepEqual([...u.all()], []);
});

/** Fails `times` counted attempts through a breaker (the attempt itself does no I/O). */
async function trip(breaker: Backend["breaker"], times = 12): Promise<void> {
  for (let i = 0; i < times; i++)
    await breaker.run(() => Promise.reject(new Error("x"))).catch(() => {});
}

test("a backend breaker never takes a site's last closed backend: a whole site is the checks' call", async (t) => {
  const u = upstreams(t);
  await u.sync(sitesOf({ hub: ["127.0.0.1:1001", "127.0.0.1:1002"], edge: ["127.0.0.1:1003"] }));
  const [first, second] = u.site("hub")?.backends ?? [];
  assert.ok(first && second);
  await trip(first.breaker);
  await trip(second.breaker);
  assert.deepEqual([first.breaker.state, second.breaker.state], ["open", "closed"]);
  const [only] = u.site("edge")?.backends ?? [];
  assert.ok(only);
  await trip(only.breaker);
  assert.equal(only.breaker.state, "closed");
});

test("breakers open while the capacity they take out stays within maxEjectionPercent, the first always", async (t) => {
  // Issue 11: a burst every site answered badly opened every site's and backend's breaker.
  // Ten sites of capacity 10, two backends each (5 apiece): 10 % of 100 is 10, so after the
  // first site's backend (5) one more backend (10 in all) may go, and no third.
  const u = upstreams(t);
  const world: Record<string, string[]> = {};
  for (let i = 0; i < 10; i++)
    world[`s${i}`] = [`127.0.0.1:${2000 + 2 * i}`, `127.0.0.1:${2001 + 2 * i}`];
  await u.sync(sitesOf(world));
  for (const site of u.all()) for (const backend of site.backends) await trip(backend.breaker);
  for (const site of u.all()) await trip(site.breaker);
  const open = [...u.all()].flatMap((s) => s.backends).filter((b) => b.breaker.state === "open");
  assert.equal(open.length, 2);
  assert.equal([...u.all()].filter((s) => s.breaker.state === "open").length, 0);
});

test("the first site to fail may lose all of itself: its site breaker opens past the cap", async (t) => {
  const u = upstreams(t);
  await u.sync(sitesOf({ hub: ["127.0.0.1:1001"], edge: ["127.0.0.1:1002"] }));
  const edge = u.site("edge");
  assert.ok(edge);
  await trip(edge.breaker);
  assert.equal(edge.breaker.state, "open");
  const hub = u.site("hub");
  await trip(hub?.breaker as Backend["breaker"]);
  assert.equal(hub?.breaker.state, "closed", "a second whole site is past 10 % of the world");
});
