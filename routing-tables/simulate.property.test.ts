/**
 * simulate() against its definition, over random worlds and mixes (testing/arbitrary-world.ts):
 * a site's requests/s is the sum over the mix's rows of rps × the weight `decide` gives the site
 * for that row, and a row `decide` blocks is unserved with the decision's code. The oracle
 * decides row by row with the plan memo cleared each time, so summing per plan (simulate's
 * shortcut) is checked against plans computed from scratch.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isAnnouncing, nearestAnnouncingSite } from "./anycast-ingress.ts";
import { decide } from "./decide.ts";
import { type MixRow, simulate } from "./simulate.ts";
import type { Simulation } from "./simulation.ts";
import type { Snapshot } from "./snapshot.ts";
import {
  arbitraryFacts,
  arbitraryWorld,
  snapshotOf,
  type World,
} from "./testing/arbitrary-world.ts";

const RUNS = { numRuns: 200 };

interface Case {
  readonly world: World;
  readonly rows: readonly MixRow[];
  readonly defaultIngress: string | undefined;
}

function arbitraryCase(): fc.Arbitrary<Case> {
  return arbitraryWorld().chain((world) => {
    const ids = world.catalogue.sites.map((s) => s.id);
    const row = fc
      .record({
        facts: arbitraryFacts(ids),
        ownIngress: fc.boolean(),
        group: fc.constantFrom("g1", "g2", "g3"),
        rps: fc.oneof(fc.double({ min: 0, max: 1000, noNaN: true }), fc.constant(Number.NaN)),
      })
      .map(({ facts, ownIngress, group, rps }) => ({
        group,
        client: facts.client,
        host: facts.host,
        path: facts.path,
        rps,
        ...(ownIngress && { ingress: facts.ingress }),
      }));
    return fc.record({
      world: fc.constant(world),
      rows: fc.array(row, { maxLength: 40 }),
      defaultIngress: fc.option(fc.constantFrom(...ids), { nil: undefined }),
    });
  });
}

interface Expected {
  readonly bySite: Map<string, number>;
  readonly unserved: Map<string, number>;
  readonly rps: number;
}

function announces(snapshot: Snapshot, id: string | undefined): boolean {
  const site = id === undefined ? undefined : snapshot.sites[snapshot.siteIndex.get(id) ?? -1];
  return site !== undefined && isAnnouncing(site);
}

/** Row by row: where anycast delivers it, what decide says, weights × rps summed. */
function oracle({ world, rows, defaultIngress }: Case): Expected {
  const snapshot = snapshotOf(world);
  const bySite = new Map<string, number>();
  const unserved = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, value: number) =>
    map.set(key, (map.get(key) ?? 0) + value);
  let rps = 0;
  for (const row of rows) {
    if (!Number.isFinite(row.rps) || row.rps < 0) continue;
    rps += row.rps;
    const located = row.client.latitude !== undefined && row.client.longitude !== undefined;
    const ingress = announces(snapshot, row.ingress)
      ? row.ingress
      : located
        ? nearestAnnouncingSite(snapshot, row.client)
        : announces(snapshot, defaultIngress)
          ? defaultIngress
          : undefined;
    if (ingress === undefined) {
      add(unserved, "no_ingress", row.rps);
      continue;
    }
    snapshot.plans.clear();
    const decision = decide(
      snapshot,
      { ingress, host: row.host, path: row.path, client: row.client },
      () => 0,
    );
    if (decision.blocked) add(unserved, decision.blocked, row.rps);
    else for (const c of decision.plan.candidates) add(bySite, c.site.id, row.rps * c.weight);
  }
  return { bySite, unserved, rps };
}

function assertClose(actual: number, expected: number, scale: number, what: string) {
  assert.ok(
    Math.abs(actual - expected) <= 1e-9 * Math.max(1, scale),
    `${what}: ${actual} ≠ ${expected}`,
  );
}

function unservedByCode(result: Simulation): Map<string, number> {
  const out = new Map<string, number>();
  for (const u of result.unserved) out.set(u.code, (out.get(u.code) ?? 0) + u.rps);
  return out;
}

test("simulate equals the aggregation of decide over the mix, row by row", () => {
  fc.assert(
    fc.property(arbitraryCase(), (c) => {
      const result = simulate(snapshotOf(c.world), c.rows, {
        serviceTimeMs: 100,
        ...(c.defaultIngress && { defaultIngress: c.defaultIngress }),
      });
      const expected = oracle(c);
      assertClose(result.rps, expected.rps, expected.rps, "total");
      for (const site of result.sites)
        assertClose(
          site.rps,
          expected.bySite.get(site.site) ?? 0,
          expected.rps,
          `site ${site.site}`,
        );
      const unserved = unservedByCode(result);
      for (const code of new Set([...unserved.keys(), ...expected.unserved.keys()]))
        assertClose(unserved.get(code) ?? 0, expected.unserved.get(code) ?? 0, expected.rps, code);
    }),
    RUNS,
  );
});

test("the flows add up: per site to its load, and with the unserved to the whole mix", () => {
  fc.assert(
    fc.property(arbitraryCase(), (c) => {
      const result = simulate(snapshotOf(c.world), c.rows, { serviceTimeMs: 100 });
      for (const site of result.sites) {
        const flowed = result.flows
          .filter((f) => f.site === site.site)
          .reduce((sum, f) => sum + f.rps, 0);
        assertClose(flowed, site.rps, result.rps, `flows into ${site.site}`);
      }
      const unserved = result.unserved.reduce((sum, u) => sum + u.rps, 0);
      const flowed = result.flows.reduce((sum, f) => sum + f.rps, 0);
      assertClose(flowed + unserved, result.rps, result.rps, "flows + unserved");
      assertClose(result.servedRps, flowed, result.rps, "served");
    }),
    RUNS,
  );
});

test("no random world and mix makes a residency violation (decide keeps every rule)", () => {
  fc.assert(
    fc.property(arbitraryCase(), (c) => {
      const result = simulate(snapshotOf(c.world), c.rows, { serviceTimeMs: 100 });
      assert.deepEqual(result.residencyViolations, []);
    }),
    RUNS,
  );
});
