/**
 * Network coordinates from the Consul double into the snapshot's RTT table: alone, blended
 * with a probe measurement, and kept when a poll fails.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { consulHttp } from "../../../health/consul/consul-http.ts";
import { startConsulDouble } from "../../../health/testing/consul-double/consul-double.ts";
import { catalogueSchema } from "../../../routing-tables/catalogue-schema.ts";
import { policySchema } from "../../../routing-tables/policy-schema.ts";
import { COORDINATE_WEIGHT } from "../../../routing-tables/snapshot.ts";
import { RoutingState } from "../../state/routing-state.ts";
import { testSite } from "../../testing/consul-world.ts";
import { consulCoordinates } from "./consul-coordinates.ts";

const vec = (x: number) => [x, 0, 0, 0, 0, 0, 0, 0];
const site = (id: string, tier: "edge" | "hub", longitude: number) =>
  testSite(id, {
    longitude,
    tier,
    capacity: 10,
    consul: { service: "app", datacenter: `${id}-dc` },
  });

async function setup(t: { after: (fn: () => Promise<void> | void) => void }) {
  const double = await startConsulDouble({ datacenters: ["near-dc", "far-dc"], random: () => 0 });
  double.setCoordinates("near-dc", "near-server", vec(0));
  double.setCoordinates("far-dc", "far-server", vec(0.042));
  const state = new RoutingState({
    catalogue: catalogueSchema.parse({ sites: [site("near", "edge", 0), site("far", "hub", 60)] }),
    policy: policySchema.parse({ services: [{ name: "web", hosts: ["*"] }] }),
  });
  const errors: Error[] = [];
  const poller = consulCoordinates(
    consulHttp({ address: double.url }),
    state,
    "near",
    "near-dc",
    60_000,
    (e) => errors.push(e),
  );
  t.after(async () => {
    poller.stop();
    await double.close();
  });
  const rtt = () => state.snapshot.rttMs[0]?.[1];
  return { double, state, poller, errors, rtt };
}

test("coordinates give the RTT to a Consul site's datacenter, replacing the great-circle estimate", async (t) => {
  const s = await setup(t);
  assert.equal(await s.poller.poll(), true);
  assert.ok(Math.abs((s.rtt() ?? 0) - 42) < 1e-9, `rtt ${s.rtt()} is 42 ms`);
  assert.equal(s.state.snapshot.rttMeasured[0]?.[1], true);
});

test("a probe measurement and the coordinate estimate are blended", async (t) => {
  const s = await setup(t);
  await s.poller.poll();
  s.state.update({ measuredRttMs: { near: { far: 100 } } });
  const expected = 100 * (1 - COORDINATE_WEIGHT) + 42 * COORDINATE_WEIGHT;
  assert.ok(Math.abs((s.rtt() ?? 0) - expected) < 1e-9, `rtt ${s.rtt()} is ${expected}`);
});

test("a failed poll keeps the last estimate and reports the error", async (t) => {
  const s = await setup(t);
  await s.poller.poll();
  s.double.failAll(true, 500);
  assert.equal(await s.poller.poll(), false);
  assert.ok(s.errors.length > 0);
  assert.ok(Math.abs((s.rtt() ?? 0) - 42) < 1e-9);
});
