import assert from "node:assert/strict";
import { test } from "node:test";
import { CLIENTS } from "../config/clients.ts";
import { WORKLOADS } from "../config/workloads.ts";
import {
  clientCycle,
  compromisedSites,
  hashUnit,
  pickWeighted,
  planIteration,
} from "./plan-iteration.ts";

const totalWeight = CLIENTS.reduce((sum, c) => sum + c.weight, 0);

test("one cycle of the geo mix visits every region as often as its weight", () => {
  const cycle = clientCycle(CLIENTS);
  assert.equal(cycle.length, totalWeight);
  for (const client of CLIENTS)
    assert.equal(cycle.filter((c) => c === client).length, client.weight, client.region);
});

test("the smoke workload covers every region", () => {
  const { startPerS, stages } = WORKLOADS.smoke;
  const iterations = startPerS * (stages[0]?.durationS ?? 0);
  const regions = new Set(
    Array.from({ length: iterations }, (_, i) => planIteration(i, WORKLOADS.smoke).client.region),
  );
  assert.equal(regions.size, CLIENTS.length);
});

test("a plan depends only on its index", () => {
  for (const i of [0, 1, 17, 999])
    assert.deepEqual(planIteration(i, WORKLOADS.average), planIteration(i, WORKLOADS.average));
});

test("flows come in the workload's proportions", () => {
  const counts = { browse: 0, api: 0, websocket: 0 };
  for (let i = 0; i < 10_000; i++) counts[planIteration(i, WORKLOADS.average).flow]++;
  assert.ok(Math.abs(counts.browse / 10_000 - 0.6) < 0.02, JSON.stringify(counts));
  assert.ok(Math.abs(counts.api / 10_000 - 0.3) < 0.02, JSON.stringify(counts));
  assert.ok(Math.abs(counts.websocket / 10_000 - 0.1) < 0.02, JSON.stringify(counts));
});

test("a flow of weight 0 never runs", () => {
  for (let i = 0; i < 2_000; i++)
    assert.notEqual(planIteration(i, WORKLOADS.failover).flow, "websocket");
});

test("api requests mark POST non-idempotent and the rest idempotent, with their bodies", () => {
  const seen = new Map<string, boolean>();
  for (let i = 0; i < 5_000; i++) {
    const plan = planIteration(i, WORKLOADS.failover);
    if (plan.flow !== "api") continue;
    seen.set(plan.method, plan.idempotent);
    assert.equal(plan.host, "api.example.net");
    assert.ok(!plan.path.includes("{n}"), plan.path);
    if (plan.method === "GET" || plan.method === "DELETE") assert.equal(plan.bodyBytes, 0);
    else assert.ok(plan.bodyBytes > 0);
  }
  assert.deepEqual(Object.fromEntries(seen), { GET: true, PUT: true, POST: false, DELETE: true });
});

test("weighted picks follow the weights and skip weight 0", () => {
  const items = [
    { id: "a", weight: 1 },
    { id: "none", weight: 0 },
    { id: "b", weight: 3 },
  ];
  assert.equal(pickWeighted(items, 0).id, "a");
  assert.equal(pickWeighted(items, 0.2499).id, "a");
  assert.equal(pickWeighted(items, 0.25).id, "b");
  assert.equal(pickWeighted(items, 0.9999).id, "b");
  assert.throws(() => pickWeighted([{ weight: 0 }], 0.5), /every weight is 0/);
});

test("the index hash stays in [0, 1)", () => {
  for (let i = 0; i < 1_000; i++) {
    const u = hashUnit(i, 7);
    assert.ok(u >= 0 && u < 1, String(u));
  }
});

test("a compromise counts after its grace and until the site's restore", () => {
  const ops = [
    { atS: 10, action: "compromise", site: "znz" },
    { atS: 20, action: "restore", site: "znz" },
  ] as const;
  assert.deepEqual(compromisedSites(ops, 10.2), []);
  assert.deepEqual(compromisedSites(ops, 10.5), ["znz"]);
  assert.deepEqual(compromisedSites(ops, 19.9), ["znz"]);
  assert.deepEqual(compromisedSites(ops, 20), []);
});
