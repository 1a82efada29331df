// The audit on its own: it passes decide's plans, and catches a plan that sends a client abroad.
import assert from "node:assert/strict";
import { test } from "node:test";
import { planForService } from "./decide.ts";
import type { Plan } from "./plan.ts";
import { residencyBreaches } from "./residency-audit.ts";
import { CITIES, referenceSnapshot } from "./testing/reference-world.ts";

const snapshot = referenceSnapshot();
const web = snapshot.services[0];

function planOf(client: (typeof CITIES)[keyof typeof CITIES], ingress: string): Plan {
  assert.ok(web);
  return planForService(snapshot, web, { ingress, client });
}

test("decide's plan for a Zanzibar client received anywhere keeps to Tanzania and Dubai", () => {
  assert.ok(web);
  for (const ingress of ["znz", "fra", "iad"])
    assert.deepEqual(residencyBreaches(web, planOf(CITIES.zanzibar, ingress), CITIES.zanzibar), []);
});

test("a plan that sends a Zanzibar client to fra is a breach of the Tanzania rule, by share", () => {
  assert.ok(web);
  const honest = planOf(CITIES.zanzibar, "znz");
  const fra = snapshot.sites[snapshot.siteIndex.get("fra") ?? -1];
  assert.ok(fra && honest.candidates[0]);
  const forged: Plan = {
    ...honest,
    candidates: [
      { ...honest.candidates[0], weight: 0.7 },
      { site: fra, weight: 0.3, costMs: 1, reasons: [] },
    ],
  };
  assert.deepEqual(residencyBreaches(web, forged, CITIES.zanzibar), [
    { rule: "tanzania-local-or-dubai", site: "fra", jurisdiction: "EU", weight: 0.3 },
  ]);
});

test("a fail-open rule that failed open is no breach; the same plan not failed open is one", () => {
  assert.ok(web);
  const plan = planOf(CITIES.saoPaulo, "gru");
  const mia = snapshot.sites[snapshot.siteIndex.get("mia") ?? -1];
  assert.ok(mia && plan.residency);
  const abroad: Plan = { ...plan, candidates: [{ site: mia, weight: 1, costMs: 1, reasons: [] }] };
  assert.equal(residencyBreaches(web, abroad, CITIES.saoPaulo).length, 1);
  const failedOpen: Plan = { ...abroad, residency: { ...plan.residency, failedOpen: true } };
  assert.deepEqual(residencyBreaches(web, failedOpen, CITIES.saoPaulo), []);
});
