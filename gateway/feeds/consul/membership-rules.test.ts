// Pure code: plug-and-play membership rules as tables and short stories.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { SiteConfig } from "../../../routing-tables/catalogue-schema.ts";
import {
  admit,
  dueToLeave,
  EMPTY_MEMBERSHIP,
  type Membership,
  memberSites,
  observeEntries,
  recordProbe,
  risen,
} from "./membership-rules.ts";

const site = (id: string, tier: "edge" | "hub" = "edge", capacity = 100) =>
  ({
    id,
    tier,
    capacity,
    name: id,
    country: "EC",
    jurisdiction: "EC",
    latitude: 0,
    longitude: 0,
    backends: ["127.0.0.1:9"],
    flags: { draining: false, compromised: false, trafficDialPercent: 100 },
  }) as SiteConfig;
const FILE = new Set(["a", "b"]);

test("an entry for a site the file does not list is a candidate, not a member", () => {
  const m = observeEntries(EMPTY_MEMBERSHIP, { d: site("d") }, FILE, 0);
  assert.deepEqual(Object.keys(m.candidates), ["d"]);
  assert.deepEqual(m.members, {});
});

test("an entry for a site the file lists is ignored: the file wins", () => {
  const m = observeEntries(EMPTY_MEMBERSHIP, { a: site("a", "hub") }, FILE, 0);
  assert.deepEqual(m, EMPTY_MEMBERSHIP);
});

test("a candidate rises once one backend passed the rise count in a row; a failure starts it again", () => {
  let m = observeEntries(EMPTY_MEMBERSHIP, { d: site("d") }, FILE, 0);
  m = recordProbe(m, "d", "x:1", true);
  m = recordProbe(m, "d", "x:1", false);
  m = recordProbe(m, "d", "x:1", true);
  assert.deepEqual(risen(m, 2), []);
  m = recordProbe(m, "d", "x:1", true);
  assert.deepEqual(risen(m, 2), ["d"]);
  m = admit(m, "d");
  assert.deepEqual(
    memberSites(m).map((s) => s.id),
    ["d"],
  );
  assert.deepEqual(m.candidates, {});
});

test("a changed entry of a candidate starts its count again", () => {
  let m = observeEntries(EMPTY_MEMBERSHIP, { d: site("d") }, FILE, 0);
  m = recordProbe(recordProbe(m, "d", "x:1", true), "d", "x:1", true);
  m = observeEntries(m, { d: site("d", "edge", 500) }, FILE, 1);
  assert.deepEqual(risen(m, 2), []);
});

const member = (m: Membership, id: string) =>
  admit(
    recordProbe(
      recordProbe(
        observeEntries(m, { [id]: site(id, id.startsWith("h") ? "hub" : "edge") }, FILE, 0),
        id,
        "x",
        true,
      ),
      id,
      "x",
      true,
    ),
    id,
  );

test("no readable control datacenter changes nothing: not visible is not gone", () => {
  const m = member(EMPTY_MEMBERSHIP, "d");
  assert.equal(observeEntries(m, undefined, FILE, 999), m);
});

test("a member whose entry is gone leaves only after leaveAfterMs", () => {
  let m = member(EMPTY_MEMBERSHIP, "d");
  m = observeEntries(m, {}, FILE, 1_000);
  assert.deepEqual(dueToLeave(m, 1_500, 1_000, 1).leave, []);
  assert.deepEqual(dueToLeave(m, 2_000, 1_000, 1).leave, ["d"]);
});

test("an entry back before leaveAfterMs keeps the member", () => {
  let m = member(EMPTY_MEMBERSHIP, "d");
  m = observeEntries(m, {}, FILE, 1_000);
  m = observeEntries(m, { d: site("d") }, FILE, 1_200);
  assert.deepEqual(dueToLeave(m, 9_000, 1_000, 1).leave, []);
});

test("the last hub never leaves", () => {
  let m = member(EMPTY_MEMBERSHIP, "hub1");
  m = observeEntries(m, {}, FILE, 0);
  assert.deepEqual(dueToLeave(m, 10_000, 1_000, 0), { leave: [], keptLastHub: ["hub1"] });
  assert.deepEqual(dueToLeave(m, 10_000, 1_000, 1), { leave: ["hub1"], keptLastHub: [] });
});

test("of two hubs leaving with no other hub, one stays", () => {
  let m = member(member(EMPTY_MEMBERSHIP, "hub1"), "hub2");
  m = observeEntries(m, {}, FILE, 0);
  const { leave, keptLastHub } = dueToLeave(m, 10_000, 1_000, 0);
  assert.equal(leave.length, 1);
  assert.equal(keptLastHub.length, 1);
});

test("a member the file now lists is the file's", () => {
  const m = observeEntries(
    member(EMPTY_MEMBERSHIP, "d"),
    { d: site("d") },
    new Set([...FILE, "d"]),
    5,
  );
  assert.deepEqual(m.members, {});
});
