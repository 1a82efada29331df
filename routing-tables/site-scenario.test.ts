import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  applySiteStates,
  MAX_STATE_TEXT,
  parseSiteState,
  parseSiteStates,
} from "./site-scenario.ts";
import { referenceSnapshot } from "./testing/reference-world.ts";

const SITES = new Set(["cdg", "dar", "gru", "fra", "lhr"]);

describe("one state word", () => {
  const cases: [string, unknown][] = [
    ["down", { state: "down" }],
    ["healthy", { state: "healthy" }],
    ["draining", { state: "draining" }],
    ["compromised", { state: "compromised" }],
    ["degraded:0.4", { state: "degraded", fraction: 0.4 }],
    ["degraded:1", { state: "degraded", fraction: 1 }],
    ["degraded:.25", { state: "degraded", fraction: 0.25 }],
  ];
  for (const [word, expected] of cases) {
    test(`"${word}" reads as ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(parseSiteState(word), expected);
    });
  }
  const wrong = [
    "degraded",
    "degraded:1.5",
    "degraded:-0.1",
    "degraded:abc",
    "degraded:0.4:1",
    "down:1",
    "up",
    "",
  ];
  for (const word of wrong) {
    test(`"${word}" is refused with a message`, () => {
      assert.equal(typeof parseSiteState(word), "string");
    });
  }
});

describe("a state list", () => {
  test("the issue's example reads site by site", () => {
    const parsed = parseSiteStates("cdg=degraded:0.4,dar=down,gru=compromised,fra=draining", SITES);
    assert.deepEqual(parsed, {
      ok: true,
      states: {
        cdg: { state: "degraded", fraction: 0.4 },
        dar: { state: "down" },
        gru: { state: "compromised" },
        fra: { state: "draining" },
      },
    });
  });

  test("an empty list is no change", () => {
    assert.deepEqual(parseSiteStates("", SITES), { ok: true, states: {} });
  });

  test("every bad item is listed: unknown site, missing =, a site named twice, a bad word", () => {
    const parsed = parseSiteStates("xyz=down,dar,cdg=down,cdg=down,lhr=up", SITES);
    assert.equal(parsed.ok, false);
    assert.deepEqual(!parsed.ok && parsed.errors.length, 4);
  });

  test("a text over the bound is refused whole, unread", () => {
    const parsed = parseSiteStates("x".repeat(MAX_STATE_TEXT + 1), SITES);
    assert.equal(parsed.ok, false);
  });
});

describe("states applied to a snapshot's inputs", () => {
  const stateOf = (
    states: Parameters<typeof applySiteStates>[1],
    base = { health: {}, overrides: {} },
  ) => {
    const snapshot = referenceSnapshot(applySiteStates(base, states));
    return (id: string) => {
      const site = snapshot.sites.find((s) => s.id === id);
      return site && `${site.state} ${site.health}`;
    };
  };

  test("each named site ends in the named state; the others keep theirs", () => {
    const state = stateOf({
      cdg: { state: "degraded", fraction: 0.4 },
      dar: { state: "down" },
      gru: { state: "compromised" },
      fra: { state: "draining" },
    });
    assert.equal(state("cdg"), "degraded 0.4");
    assert.equal(state("dar"), "down 0");
    assert.equal(state("gru"), "compromised 1");
    assert.equal(state("fra"), "draining 1");
    assert.equal(state("lhr"), "healthy 1");
  });

  test("down clears a compromise, and healthy clears health and ops flags alike", () => {
    const base = {
      health: { lhr: { state: "degraded" as const, fraction: 0.2 } },
      overrides: { dar: { compromised: true }, lhr: { draining: true, trafficDialPercent: 50 } },
    };
    const state = stateOf({ dar: { state: "down" }, lhr: { state: "healthy" } }, base);
    assert.equal(state("dar"), "down 0");
    assert.equal(state("lhr"), "healthy 1");
    const dial = applySiteStates(base, { lhr: { state: "healthy" } }).overrides.lhr
      ?.trafficDialPercent;
    assert.equal(dial, 50, "the traffic dial is not a state: it stays");
  });
});
