// Pure code: the override record rules as tables.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  absorb,
  effectiveOverrides,
  isNewer,
  nextExpiry,
  type OverrideRecord,
  type RecordSet,
  recordFor,
} from "./override-record.ts";

const rec = (
  generation: number,
  flags: OverrideRecord["flags"],
  extra: Partial<OverrideRecord> = {},
): OverrideRecord => ({
  flags,
  generation,
  who: "ops",
  atMs: 1_000,
  why: "",
  ...extra,
});

for (const [name, candidate, known, expected] of [
  ["anything is newer than nothing", rec(0, {}), undefined, true],
  ["a higher generation is newer", rec(3, {}), rec(2, { compromised: true }), true],
  [
    "a lower generation is older, whatever its time",
    rec(1, {}, { atMs: 9_999 }),
    rec(2, {}),
    false,
  ],
  ["on a tie, the later time is newer", rec(2, {}, { atMs: 2_000 }), rec(2, {}), true],
  ["the same record is not newer than itself", rec(2, {}), rec(2, {}), false],
] as const) {
  test(name, () => assert.equal(isNewer(candidate, known), expected));
}

test("absorbing takes newer records in, and a site missing from the answer keeps its record", () => {
  const known = { a: rec(2, { compromised: true }), b: rec(1, { draining: true }) };
  const next = absorb(known, { b: rec(2, {}) });
  assert.deepEqual(next, { a: known.a, b: rec(2, {}) });
});

test("absorbing nothing newer changes nothing (undefined: no new snapshot, no write)", () => {
  const known = { a: rec(2, { compromised: true }) };
  assert.equal(absorb(known, { a: rec(1, {}) }), undefined);
  assert.equal(absorb(known, {}), undefined);
});

for (const [name, current, change, known, expected] of [
  [
    "a drain on a compromised site keeps the compromise",
    rec(4, { compromised: true }),
    { draining: true },
    0,
    { flags: { compromised: true, draining: true }, generation: 5 },
  ],
  [
    "a restore clears every flag",
    rec(4, { compromised: true }),
    undefined,
    0,
    { flags: {}, generation: 5 },
  ],
  [
    "the generation goes above what this gateway knew",
    rec(2, {}),
    { draining: true },
    9,
    { flags: { draining: true }, generation: 10 },
  ],
  [
    "a first override is generation 1",
    undefined,
    { compromised: true },
    0,
    { flags: { compromised: true }, generation: 1 },
  ],
] as const) {
  test(name, () => {
    const made = recordFor(current, { change, who: "w", why: "y", atMs: 5 }, known);
    assert.deepEqual({ flags: made.flags, generation: made.generation }, expected);
  });
}

test("a compromise is made without an expiry even when one is asked", () => {
  const made = recordFor(undefined, {
    change: { compromised: true },
    who: "w",
    why: "",
    atMs: 5,
    expiresAtMs: 50,
  });
  assert.equal(made.expiresAtMs, undefined);
});

for (const [name, fleet, local, now, expected] of [
  ["fleet records apply", { a: rec(1, { draining: true }) }, {}, 0, { a: { draining: true } }],
  [
    "a local override sets its fields over the fleet's",
    { a: rec(1, { trafficDialPercent: 50 }) },
    { a: rec(1, { trafficDialPercent: 20 }) },
    0,
    { a: { trafficDialPercent: 20 } },
  ],
  [
    "a compromise from either holds",
    { a: rec(1, { compromised: true }) },
    { a: rec(2, { compromised: false }) },
    0,
    { a: { compromised: true } },
  ],
  [
    "an expired drain no longer applies",
    { a: rec(1, { draining: true }, { expiresAtMs: 100 }) },
    {},
    100,
    {},
  ],
  [
    "an unexpired drain applies",
    { a: rec(1, { draining: true }, { expiresAtMs: 100 }) },
    {},
    99,
    { a: { draining: true } },
  ],
  ["a restore record sets nothing", { a: rec(3, {}) }, {}, 0, {}],
] as const) {
  test(name, () => assert.deepEqual(effectiveOverrides(fleet, local, now), expected));
}

test("the next expiry is the soonest one still ahead", () => {
  const sets: RecordSet[] = [
    { a: rec(1, { draining: true }, { expiresAtMs: 300 }) },
    { b: rec(1, { draining: true }, { expiresAtMs: 200 }), c: rec(1, {}, { expiresAtMs: 50 }) },
  ];
  assert.equal(nextExpiry(sets, 100), 200);
  assert.equal(nextExpiry(sets, 400), undefined);
});
