// Why a request was served away from its ingress, on the reference world (table tests).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ClientLocation } from "./client.ts";
import { decide } from "./decide.ts";
import { servedElsewhereReason } from "./served-elsewhere.ts";
import { applySiteStates, parseSiteStates } from "./site-scenario.ts";
import { CITIES, referenceSnapshot } from "./testing/reference-world.ts";

function decision(state: string, ingress: string, client: ClientLocation) {
  const ids = new Set(referenceSnapshot().sites.map((s) => s.id));
  const parsed = parseSiteStates(state, ids);
  if (!parsed.ok) assert.fail(parsed.errors.join("; "));
  const snapshot = referenceSnapshot(applySiteStates({ health: {}, overrides: {} }, parsed.states));
  return decide(snapshot, { ingress, host: "app.example.net", path: "/", client }, () => 0);
}

const cases: {
  name: string;
  state: string;
  ingress: string;
  client: ClientLocation;
  served: string;
  firstTried?: string;
  want: string | undefined;
}[] = [
  {
    name: "served where it arrived: not elsewhere",
    ...{ state: "", ingress: "znz", client: CITIES.zanzibar, served: "znz", want: undefined },
  },
  {
    name: "a Zanzibar client arriving at dar is served by znz, its pin's first site",
    ...{ state: "", ingress: "dar", client: CITIES.zanzibar, served: "znz", want: "pin" },
  },
  {
    name: "a retry that moved the request to another site is failover",
    ...{ state: "", ingress: "dar", client: CITIES.darEsSalaam, served: "znz" },
    ...{ firstTried: "dar", want: "failover" },
  },
  {
    name: "a Parisian arriving at lhr is served in the EU: residency",
    ...{ state: "", ingress: "lhr", client: CITIES.paris, served: "cdg", want: "residency" },
  },
  {
    name: "cdg degraded spills part of Paris to a hub: spill",
    ...{ state: "cdg=degraded:0.2", ingress: "cdg", client: CITIES.paris, served: "fra" },
    want: "spill",
  },
  {
    name: "with Tanzania's three sites down, a Tanzanian client is served in panic",
    ...{ state: "dar=down,znz=down,dxb=down", ingress: "dar", client: CITIES.darEsSalaam },
    ...{ served: "znz", want: "panic" },
  },
];

for (const c of cases)
  test(c.name, () => {
    const d = decision(c.state, c.ingress, c.client);
    assert.equal(servedElsewhereReason(d, c.ingress, c.served, c.firstTried ?? c.served), c.want);
  });

test("a served site the plan does not list counts as failover, never as primary", () => {
  const d = decision("", "znz", CITIES.zanzibar);
  assert.equal(servedElsewhereReason(d, "znz", "sea", "sea"), "failover");
});
