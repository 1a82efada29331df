// Pure code: the serving catalogue (the file's sites, then the fleet's) and the state's use of it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { catalogueSchema, siteSchema } from "../../routing-tables/catalogue-schema.ts";
import { policySchema } from "../../routing-tables/policy-schema.ts";
import { RoutingState, servingCatalogue } from "./routing-state.ts";

const site = (id: string, capacity = 100) =>
  siteSchema.parse({
    id,
    name: id,
    country: "EC",
    jurisdiction: "EC",
    latitude: 0,
    longitude: 0,
    tier: "hub",
    capacity,
    backends: ["127.0.0.1:9"],
  });
const file = catalogueSchema.parse({ sites: [site("a"), site("b")] });

for (const [name, fleet, expected] of [
  ["without fleet sites the file is the catalogue", [], ["a:100", "b:100"]],
  [
    "fleet sites the file does not list come after the file's",
    [site("d")],
    ["a:100", "b:100", "d:100"],
  ],
  ["for a site in both, the file wins", [site("a", 999)], ["a:100", "b:100"]],
] as const) {
  test(name, () => {
    const serving = servingCatalogue(file, fleet);
    assert.deepEqual(
      serving.sites.map((s) => `${s.id}:${s.capacity}`),
      expected,
    );
  });
}

test("the snapshot serves the fleet's sites; a file reload keeps them", () => {
  const state = new RoutingState({
    catalogue: file,
    policy: policySchema.parse({ services: [{ name: "web", hosts: ["*"] }] }),
  });
  state.setFleetSites([site("d")]);
  assert.ok(state.snapshot.siteIndex.has("d"));
  state.setConfig({ catalogue: catalogueSchema.parse({ sites: [site("a")] }) });
  assert.deepEqual(
    state.catalogue.sites.map((s) => s.id),
    ["a", "d"],
  );
});
