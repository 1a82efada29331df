// diffSimulations on the reference world: the same mix under two policies or two scenarios.
import assert from "node:assert/strict";
import { test } from "node:test";
import { diffSimulations, noSite } from "./routing-diff.ts";
import { type MixRow, simulate } from "./simulate.ts";
import { applySiteStates, parseSiteStates } from "./site-scenario.ts";
import type { Snapshot } from "./snapshot.ts";
import {
  CITIES,
  REFERENCE_POLICY_TEXT,
  referenceSnapshot,
  referenceWorld,
} from "./testing/reference-world.ts";

const MIX: MixRow[] = Object.entries(CITIES).map(([group, client]) => ({
  group,
  client,
  host: "app.example.net",
  path: "/",
  rps: 100,
}));

function snapshotWith(policyText: string, state = ""): Snapshot {
  const world = referenceWorld(policyText);
  const parsed = parseSiteStates(state, new Set(world.catalogue.sites.map((s) => s.id)));
  if (!parsed.ok) assert.fail(parsed.errors.join("; "));
  return referenceSnapshot(applySiteStates({ health: {}, overrides: {} }, parsed.states), world);
}

const diff = (before: Snapshot, after: Snapshot) =>
  diffSimulations(
    simulate(before, MIX, { serviceTimeMs: 100 }),
    simulate(after, MIX, { serviceTimeMs: 100 }),
  );

test("the reference policy against itself moves nothing", () => {
  const result = diff(snapshotWith(REFERENCE_POLICY_TEXT), snapshotWith(REFERENCE_POLICY_TEXT));
  assert.deepEqual(result.groups, []);
  assert.deepEqual(result.sites, []);
  assert.equal(result.movedRps, 0);
  assert.equal(result.rps, 800);
});

test("a Tanzania pin that puts dxb first moves Dar es Salaam from dar to dxb, with both sides' reasons", () => {
  const changed = REFERENCE_POLICY_TEXT.replace(
    "- clientCountries: [TZ]\n      sites: [dar, znz, dxb]",
    "- clientCountries: [TZ]\n      sites: [dxb, dar, znz]",
  );
  assert.notEqual(changed, REFERENCE_POLICY_TEXT, "the pin is where the test expects it");
  const result = diff(snapshotWith(REFERENCE_POLICY_TEXT), snapshotWith(changed));
  assert.equal(result.groups.length, 1, JSON.stringify(result.groups));
  const [group] = result.groups;
  assert.equal(group?.group, "darEsSalaam");
  assert.equal(group?.movedRps, 100);
  assert.deepEqual(
    group?.moves.map((m) => [m.from, m.to, m.rps, m.before.kinds, m.after.kinds]),
    [["dar", "dxb", 100, ["pin"], ["pin"]]],
  );
  assert.deepEqual(group?.moves[0]?.before.reasons, ["geo pin, position 1"]);
  assert.equal(result.movedShare, 100 / 800);
  assert.deepEqual(result.sites, [
    { site: "dar", beforeRps: 100, afterRps: 0 },
    { site: "dxb", beforeRps: 0, afterRps: 100 },
  ]);
});

test("a scenario against the healthy world: Paris at a degraded cdg moves its spill to fra", () => {
  const result = diff(
    snapshotWith(REFERENCE_POLICY_TEXT),
    snapshotWith(REFERENCE_POLICY_TEXT, "cdg=degraded:0.4"),
  );
  const paris = result.groups.find((g) => g.group === "paris");
  assert.ok(paris);
  assert.ok(Math.abs(paris.movedRps - 44) < 1e-9, String(paris.movedRps));
  assert.deepEqual(
    paris.moves.map((m) => [m.from, m.to, m.after.kinds]),
    [["cdg", "fra", ["spill"]]],
  );
});

test("traffic that stops being served moves to 'no site' with its code", () => {
  const result = diff(
    snapshotWith(REFERENCE_POLICY_TEXT),
    snapshotWith(REFERENCE_POLICY_TEXT, "cdg=draining,arn=draining,fra=draining"),
  );
  const paris = result.groups.find((g) => g.group === "paris");
  assert.deepEqual(
    paris?.moves.map((m) => [m.from, m.to, m.rps]),
    [["cdg", noSite("residency_blocked"), 100]],
  );
});
