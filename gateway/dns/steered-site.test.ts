// The site DNS answers a client with, over the reference world and the demo GeoIP places.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ClientLocation } from "../../routing-tables/client.ts";
import type { Snapshot } from "../../routing-tables/snapshot.ts";
import { placeLocation, referenceSnapshot } from "../testing/dns-world.ts";
import { steeredSite } from "./steered-site.ts";

function answer(snapshot: Snapshot, client: ClientLocation, r = 0, service = "web") {
  const view = snapshot.services.find((s) => s.name === service);
  assert.ok(view);
  const steering = steeredSite(snapshot, view, client, "fra", () => r);
  return steering.ok ? steering.site.id : steering.code;
}

/** Every answer over `draws` evenly spread random numbers, with how often each came. */
function answers(snapshot: Snapshot, client: ClientLocation, service = "web", draws = 200) {
  const counts = new Map<string, number>();
  for (let i = 0; i < draws; i++) {
    const site = answer(snapshot, client, (i + 0.5) / draws, service);
    counts.set(site, (counts.get(site) ?? 0) + 1);
  }
  return Object.fromEntries([...counts].sort());
}

const EU_SITES = new Set(["cdg", "arn", "fra"]);

test("a client in Zanzibar is answered with the Zanzibar site (its geo pin's first)", () => {
  assert.equal(answer(referenceSnapshot(), placeLocation("zanzibar")), "znz");
});

test("with Zanzibar compromised its clients get Dar es Salaam, the pin's next site", () => {
  const snapshot = referenceSnapshot({ overrides: { znz: { compromised: true } } });
  assert.deepEqual(answers(snapshot, placeLocation("zanzibar")), { dar: 200 });
});

test("a client is ranked from its own location, not from the gateway's site", () => {
  assert.equal(answer(referenceSnapshot(), placeLocation("tokyo")), "nrt");
  assert.equal(answer(referenceSnapshot(), placeLocation("seattle")), "sea");
});

test("a client of unknown location is ranked from the gateway's own site", () => {
  assert.equal(answer(referenceSnapshot(), {}), "fra");
});

test("a Paris client gets only EU sites, whatever the draw and whoever is down", () => {
  const healthy = referenceSnapshot();
  const cdgDown = referenceSnapshot({ health: { cdg: { state: "down", fraction: 0 } } });
  for (const snapshot of [healthy, cdgDown]) {
    const got = Object.keys(answers(snapshot, placeLocation("paris")));
    assert.ok(
      got.every((site) => EU_SITES.has(site)),
      `answers: ${got}`,
    );
  }
  assert.equal(
    answer(cdgDown, placeLocation("paris")),
    "fra",
    "Frankfurt is nearer than Stockholm",
  );
});

test("with every EU site unusable a Paris client is blocked, never sent abroad", () => {
  const snapshot = referenceSnapshot({
    overrides: { cdg: { compromised: true }, arn: { draining: true }, fra: { compromised: true } },
  });
  assert.deepEqual(answers(snapshot, placeLocation("paris")), { residency_blocked: 200 });
});

test("a degraded site's spill share becomes its share of answers across queries", () => {
  const snapshot = referenceSnapshot({ health: { lhr: { state: "degraded", fraction: 0.5 } } });
  const got = answers(snapshot, placeLocation("london"));
  // lhr keeps min(1, 0.5 × 1.4) = 70 %; the 30 % spilled goes to the hubs.
  assert.equal(got.lhr, 140);
  assert.ok(
    Object.keys(got).every((site) => site === "lhr" || ["fra", "iad", "dxb"].includes(site)),
  );
});

test("weighted steering answers in the policy's proportions", () => {
  const got = answers(referenceSnapshot(), placeLocation("paris"), "media", 1_200);
  // media's weights fra 4, iad 4, dxb 2, gru 1, nrt 1; a Paris client may only use fra.
  assert.deepEqual(got, { fra: 1_200 });
  const tokyo = answers(referenceSnapshot(), placeLocation("tokyo"), "media", 1_200);
  assert.deepEqual(tokyo, { dxb: 200, fra: 400, gru: 100, iad: 400, nrt: 100 });
});

test("in panic, down and draining sites are never answered", () => {
  const down = { state: "down" as const, fraction: 0 };
  const health = Object.fromEntries(
    ["bue", "gru", "gig", "uio", "mia", "sea", "lhr", "arn", "dar", "nrt", "sin", "fra", "iad"].map(
      (site) => [site, down],
    ),
  );
  const snapshot = referenceSnapshot({ health, overrides: { dxb: { draining: true } } });
  const got = answers(snapshot, placeLocation("tokyo"));
  assert.deepEqual(Object.keys(got).sort(), ["cdg", "znz"], "the only healthy sites");
});

test("a site without a public address hands its answers to the next one ranked", () => {
  const base = referenceSnapshot();
  const catalogue = {
    sites: base.sites.map((s) =>
      s.id === "znz" ? { ...s.config, publicIPv4: undefined, publicIPv6: undefined } : s.config,
    ),
  };
  const snapshot = referenceSnapshot({ catalogue });
  assert.equal(answer(snapshot, placeLocation("zanzibar")), "dar");
});
