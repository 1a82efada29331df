// Pure code: the publish step of the KV watch (kvApplier) on answers given by hand, no Consul.
import assert from "node:assert/strict";
import { test } from "node:test";
import { catalogueSchema } from "../../../routing-tables/catalogue-schema.ts";
import { policySchema } from "../../../routing-tables/policy-schema.ts";
import { RoutingState } from "../../state/routing-state.ts";
import { testSite } from "../../testing/consul-world.ts";
import { type KvApplied, kvApplier } from "./consul-kv-apply.ts";

const catalogue = catalogueSchema.parse({
  sites: ["west", "east"].map((id, i) =>
    testSite(id, {
      longitude: i * 10,
      tier: id === "east" ? "hub" : "edge",
      backends: [`127.0.0.1:${18_100 + i}`],
    }),
  ),
});
const policy = policySchema.parse({ services: [{ name: "web", hosts: ["*"] }] });
const TWO_SERVICES =
  "services:\n  - name: web\n    hosts: ['*']\n  - name: api\n    hosts: [api.example.org]\n";

function world() {
  const state = new RoutingState({ catalogue, policy });
  const told: KvApplied[] = [];
  const rejected: number[] = [];
  const apply = kvApplier(state, "gw", {
    onApplied: (applied) => told.push(applied),
    onRejected: (errors) => rejected.push(errors.length),
  });
  const answer = (pairs: Record<string, string>, knownLeader = true) =>
    apply({ entries: Object.entries(pairs).map(([key, value]) => ({ key, value })), knownLeader });
  return { state, told, rejected, answer };
}

test("a good policy and flags are applied together, and both hooks say what happened", () => {
  const w = world();
  const applied = w.answer({ "gw/policy": TWO_SERVICES, "gw/flags/east": '{"draining": true}' });
  assert.equal(applied.policyApplied, true);
  assert.deepEqual(applied.overrides, { east: { draining: true } });
  assert.deepEqual(
    w.state.snapshot.services.map((s) => s.name),
    ["web", "api"],
  );
  assert.deepEqual([w.told.length, w.rejected], [1, []]);
});

test("a deleted policy key leaves the last good policy serving", () => {
  const w = world();
  w.answer({ "gw/policy": TWO_SERVICES });
  const applied = w.answer({});
  assert.equal(applied.policyApplied, false);
  assert.equal(w.state.snapshot.services.length, 2);
});

test("a fixed flag document clears the rejection it caused", () => {
  const w = world();
  w.answer({ "gw/flags/east": "{" });
  assert.equal(w.state.rejected?.errors[0]?.file, "consul-kv:gw/flags/east");
  w.answer({ "gw/flags/east": "{}" });
  assert.equal(w.state.rejected, undefined);
  assert.deepEqual(w.rejected, [1]);
});

test("a rejection recorded by a file reload is left alone by a flag change", () => {
  const w = world();
  const fromFile = [{ file: "policy.yaml", line: 3, column: 1, path: "x", message: "bad" }];
  w.state.reject(fromFile);
  w.answer({ "gw/flags/east": '{"draining": true}' });
  assert.equal(w.state.rejected?.errors, fromFile);
});

test("a policy naming a site the catalogue lacks is refused against the catalogue serving", () => {
  const w = world();
  w.answer({ "gw/policy": "services:\n  - name: web\n    hosts: ['*']\n    drain: [south]\n" });
  assert.deepEqual(
    w.state.rejected?.errors.map((e) => [e.file, e.line, e.path]),
    [["consul-kv:gw/policy", 4, "services[0].drain[0]"]],
  );
  assert.equal(w.state.snapshot.services[0]?.name, "web");
});
