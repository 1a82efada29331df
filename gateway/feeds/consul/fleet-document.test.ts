// Pure code: what the fleet prefix says (readFleetContent) as tables.
import assert from "node:assert/strict";
import { test } from "node:test";
import { readFleetContent, readRecord, recordDocument } from "./fleet-document.ts";

const entry = (key: string, value: string | null) => ({ key, value });
const SITE = JSON.stringify({
  id: "new",
  name: "New",
  country: "AR",
  jurisdiction: "AR",
  latitude: 0,
  longitude: 11,
  tier: "edge",
  capacity: 100,
  backends: ["127.0.0.1:9"],
});

test("the sentinel, the policy, each site's record, the sites and the audit are read from their keys; others ignored", () => {
  const content = readFleetContent(
    [
      entry("gw/sentinel", "{}"),
      entry("gw/flags/", null),
      entry(
        "gw/flags/east",
        '{"draining": true, "generation": 3, "who": "bob@ops", "at": "2025-01-02T03:04:05Z", "why": "upgrade"}',
      ),
      entry("gw/notes", "hello"),
      entry("gw/policy", "services: []"),
      entry("gw/sites/new", SITE),
      entry("gw/audit/0000000000001-east-abc", '{"site":"east"}'),
    ],
    "gw",
  );
  assert.equal(content.sentinel, true);
  assert.equal(content.policyText, "services: []");
  assert.deepEqual(content.records.east, {
    flags: { draining: true },
    generation: 3,
    who: "bob@ops",
    atMs: Date.parse("2025-01-02T03:04:05Z"),
    why: "upgrade",
  });
  assert.equal(content.sites.new?.jurisdiction, "AR");
  assert.deepEqual(content.audit, [{ site: "east" }]);
  assert.deepEqual(content.errors, []);
});

test("without the sentinel the answer says so: an ACL-filtered list looks exactly like an empty one", () => {
  assert.equal(
    readFleetContent([entry("gw/flags/east", '{"compromised": true}')], "gw").sentinel,
    false,
  );
});

for (const [name, value, expected] of [
  ["a flag document that is not JSON", "compromised: true", /^not a JSON document/],
  ["a flag document with an unknown key", '{"compromissed": true}', /^unknown key$/],
  ["a traffic dial over 100", '{"trafficDialPercent": 140}', /100/],
  ["a flag that is not a boolean", '{"draining": "yes"}', /boolean/],
  ["an empty flag key", null, /^not a JSON document/],
  ["a time that is not ISO 8601", '{"compromised": true, "at": "yesterday"}', /./],
] as const) {
  test(`${name} is an error naming its key, and the other records still apply`, () => {
    const content = readFleetContent(
      [entry("gw/flags/east", value), entry("gw/flags/west", '{"draining": true}')],
      "gw",
    );
    assert.deepEqual(Object.keys(content.records), ["west"]);
    assert.equal(content.errors.length, 1);
    assert.equal(content.errors[0]?.file, "consul-kv:gw/flags/east");
    assert.match(content.errors[0]?.message ?? "", expected);
  });
}

test("a schema error in a flag document carries its line and path", () => {
  const content = readFleetContent(
    [entry("gw/flags/east", '{\n  "draining": true,\n  "trafficDialPercent": -5\n}')],
    "gw",
  );
  assert.deepEqual(
    content.errors.map((e) => [e.line, e.path]),
    [[3, "trafficDialPercent"]],
  );
});

test("a key that is not a site id is an error and applies nothing", () => {
  const content = readFleetContent([entry("gw/flags/East Side", '{"draining": true}')], "gw");
  assert.deepEqual(content.records, {});
  assert.match(content.errors[0]?.message ?? "", /not a site id/);
});

test("a site entry under another site's key is refused", () => {
  const content = readFleetContent([entry("gw/sites/other", SITE)], "gw");
  assert.deepEqual(content.sites, {});
  assert.match(content.errors[0]?.message ?? "", /not its key's/);
});

test("a value over the size bound is refused by its key, not read", () => {
  const big = JSON.stringify({ why: "x".repeat(70_000) });
  const content = readFleetContent([entry("gw/flags/east", big)], "gw");
  assert.deepEqual(content.records, {});
  assert.match(content.errors[0]?.message ?? "", /bytes/);
});

test("a record written as a document reads back as the same record", () => {
  const record = {
    flags: { draining: true },
    generation: 7,
    who: "alice@10.0.0.1",
    atMs: Date.parse("2025-05-06T07:08:09.000Z"),
    why: "maintenance",
    expiresAtMs: Date.parse("2025-05-06T08:08:09.000Z"),
  };
  assert.deepEqual(readRecord("f", recordDocument(record, "gw-fra")).value, record);
  const restore = { ...record, flags: {}, expiresAtMs: undefined };
  const { expiresAtMs: _e, ...withoutExpiry } = restore;
  assert.deepEqual(readRecord("f", recordDocument(withoutExpiry, "gw-fra")).value, withoutExpiry);
  assert.equal(JSON.parse(recordDocument(withoutExpiry, "gw-fra")).restored, true);
});
