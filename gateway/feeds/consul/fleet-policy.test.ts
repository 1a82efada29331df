// Pure code: the publish step for the place of record's policy and documents' problems
// (fleetPolicyApplier) on answers given by hand, no Consul.
import assert from "node:assert/strict";
import { test } from "node:test";
import { catalogueSchema } from "../../../routing-tables/catalogue-schema.ts";
import { wholeFileError } from "../../../routing-tables/config-error.ts";
import { policySchema } from "../../../routing-tables/policy-schema.ts";
import { RoutingState } from "../../state/routing-state.ts";
import { testSite } from "../../testing/consul-world.ts";
import { fleetPolicyApplier } from "./fleet-policy.ts";

const catalogue = catalogueSchema.parse({
  sites: ["west", "east"].map((id, i) =>
    testSite(id, {
      longitude: i * 10,
      tier: id === "east" ? "hub" : "edge",
      backends: [`127.0.0.1:${9 + i}`],
    }),
  ),
});
const TWO =
  "services:\n  - name: web\n    hosts: ['*']\n  - name: api\n    hosts: [api.example.org]\n";
const BAD = "services:\n  - name: web\n    hosts: ['*']\n    drain: [nowhere]\n";

function world() {
  const state = new RoutingState({
    catalogue,
    policy: policySchema.parse({ services: [{ name: "web", hosts: ["*"] }] }),
  });
  const rejected: number[] = [];
  const apply = fleetPolicyApplier(state, "gw", {
    onRejected: (errors) => rejected.push(errors.length),
  });
  return { state, rejected, apply };
}

test("a good policy is applied; the same text again makes no new snapshot", () => {
  const w = world();
  assert.equal(w.apply(TWO, []), true);
  const version = w.state.snapshot.version;
  assert.equal(w.apply(TWO, []), false);
  assert.equal(w.state.snapshot.version, version);
  assert.deepEqual(
    w.state.snapshot.services.map((s) => s.name),
    ["web", "api"],
  );
});

test("a bad policy is refused with its errors; the last good serves; a good one clears the refusal", () => {
  const w = world();
  w.apply(TWO, []);
  w.apply(BAD, []);
  assert.deepEqual(
    w.state.rejected?.errors.map((e) => [e.file, e.path]),
    [["consul-kv:gw/policy", "services[0].drain[0]"]],
  );
  assert.equal(w.state.snapshot.services.length, 2);
  w.apply(TWO, []);
  assert.equal(w.state.rejected, undefined);
  assert.deepEqual(w.rejected, [1]);
});

test("a deleted policy key leaves the last good policy serving", () => {
  const w = world();
  w.apply(TWO, []);
  w.apply(undefined, []);
  assert.equal(w.state.snapshot.services.length, 2);
});

test("a malformed document's error is recorded by its key, and cleared by the next answer without it", () => {
  const w = world();
  w.apply(undefined, [wholeFileError("consul-kv:gw/flags/east", "not a JSON document")]);
  assert.equal(w.state.rejected?.errors[0]?.file, "consul-kv:gw/flags/east");
  w.apply(undefined, []);
  assert.equal(w.state.rejected, undefined);
});

test("a refusal recorded by someone else (a file reload) is left alone", () => {
  const w = world();
  w.state.reject([wholeFileError("catalogue.yaml", "bad")]);
  w.apply(undefined, []);
  assert.equal(w.state.rejected?.errors[0]?.file, "catalogue.yaml");
});
