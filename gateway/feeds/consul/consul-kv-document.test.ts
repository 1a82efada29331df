// Pure code: what a KV prefix says (readKvContent) and the overrides it leads to
// (nextOverrides, with the sticky compromise), as tables.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { OpsOverride } from "../../../routing-tables/snapshot.ts";
import { type KvContent, nextOverrides, readKvContent } from "./consul-kv-document.ts";

const entry = (key: string, value: string | null) => ({ key, value });

test("the policy and each site's flags are read from their keys; other keys are ignored", () => {
  const content = readKvContent(
    [
      entry("gw/flags/", null),
      entry("gw/flags/east", '{"draining": true, "trafficDialPercent": 40}'),
      entry("gw/flags/west", '{"compromised": true}'),
      entry("gw/notes", "hello"),
      entry("gw/policy", "services: []"),
    ],
    "gw",
  );
  assert.deepEqual(content, {
    policyText: "services: []",
    flags: { east: { draining: true, trafficDialPercent: 40 }, west: { compromised: true } },
    malformed: [],
    errors: [],
  });
});

for (const [name, value, expected] of [
  ["a flag document that is not JSON", "compromised: true", /^not a JSON document/],
  ["a flag document with an unknown key", '{"compromissed": true}', /^unknown key$/],
  ["a traffic dial over 100", '{"trafficDialPercent": 140}', /100/],
  ["a flag that is not a boolean", '{"draining": "yes"}', /boolean/],
  ["an empty flag key", null, /^not a JSON document/],
] as const) {
  test(`${name} is an error naming its key, and the other flags still apply`, () => {
    const content = readKvContent(
      [entry("gw/flags/east", value), entry("gw/flags/west", '{"draining": true}')],
      "gw",
    );
    assert.deepEqual(content.flags, { west: { draining: true } });
    assert.deepEqual(content.malformed, ["east"]);
    assert.equal(content.errors.length, 1);
    assert.equal(content.errors[0]?.file, "consul-kv:gw/flags/east");
    assert.match(content.errors[0]?.message ?? "", expected);
  });
}

test("a schema error in a flag document carries its line and path", () => {
  const content = readKvContent(
    [entry("gw/flags/east", '{\n  "draining": true,\n  "trafficDialPercent": -5\n}')],
    "gw",
  );
  assert.deepEqual(
    content.errors.map((e) => [e.line, e.path]),
    [[3, "trafficDialPercent"]],
  );
});

test("a flag key that is not a site id is an error and applies nothing", () => {
  const content = readKvContent([entry("gw/flags/East Side", '{"draining": true}')], "gw");
  assert.deepEqual(content.flags, {});
  assert.deepEqual(content.malformed, []);
  assert.match(content.errors[0]?.message ?? "", /not a site id/);
});

const read = (
  flags: Record<string, OpsOverride>,
  malformed: string[] = [],
): Pick<KvContent, "flags" | "malformed"> => ({ flags, malformed });

for (const [name, previous, content, knownLeader, expected] of [
  [
    "the overrides are what KV says",
    { east: { draining: true } },
    read({ west: { trafficDialPercent: 50 } }),
    true,
    { west: { trafficDialPercent: 50 } },
  ],
  [
    "a malformed document keeps the site's last good flags",
    { east: { draining: true } },
    read({}, ["east"]),
    true,
    { east: { draining: true } },
  ],
  [
    "a compromise stays when its document no longer mentions it",
    { east: { compromised: true } },
    read({ east: { draining: true } }),
    true,
    { east: { draining: true, compromised: true } },
  ],
  [
    "a compromise clears when KV says compromised: false",
    { east: { compromised: true } },
    read({ east: { compromised: false } }),
    true,
    { east: { compromised: false } },
  ],
  [
    "a compromise clears when its key is deleted",
    { east: { compromised: true, draining: true } },
    read({}),
    true,
    {},
  ],
  [
    "a stale answer without a leader cannot delete a compromise",
    { east: { compromised: true } },
    read({}),
    false,
    { east: { compromised: true } },
  ],
  [
    "a stale answer without a leader cannot set compromised: false",
    { east: { compromised: true } },
    read({ east: { compromised: false, draining: true } }),
    false,
    { east: { compromised: true, draining: true } },
  ],
  [
    "a stale answer without a leader can still compromise a site",
    {},
    read({ east: { compromised: true } }),
    false,
    { east: { compromised: true } },
  ],
  [
    "a malformed document keeps a compromise",
    { east: { compromised: true } },
    read({}, ["east"]),
    true,
    { east: { compromised: true } },
  ],
] as const) {
  test(name, () => {
    assert.deepEqual(nextOverrides(previous, content, knownLeader), expected);
  });
}
