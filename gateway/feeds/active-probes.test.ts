/**
 * Active probes wired into a gateway: a backend failing its health checks leaves its site's
 * share (rise/fall), and successful probes replace the great-circle estimate with a
 * measured RTT from this ingress.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually, startTestWorld } from "../testing/fixtures.ts";
import { settleRtt } from "./active-probes.ts";

const PROBES = { enabled: true, intervalMs: 20, jitterRatio: 0, timeoutMs: 500, path: "/healthz" };

test("a backend failing its probes takes half of its two-backend site; recovering brings it back", async (t) => {
  const w = await startTestWorld({
    sites: [
      { id: "here", backends: 2 },
      { id: "hub", tier: "hub", longitude: 10, backends: 1 },
    ],
    policy: { defaults: { spill: { rampUpMs: 200 } }, services: [{ name: "web", hosts: ["*"] }] },
    boot: { probes: PROBES, health: { passive: true, evaluateIntervalMs: 20 } },
  });
  t.after(() => w.close());
  const gateway = w.gateway("here");
  const [sick] = w.backends.get("here") ?? [];
  assert.ok(sick);
  sick.behave((_req, res) => {
    res.writeHead(503);
    res.end();
  });
  const stateOfHere = () => gateway.state.snapshot.sites.find((s) => s.id === "here");
  await eventually(() => stateOfHere()?.state === "degraded", 10_000, "here to be degraded");
  assert.equal(stateOfHere()?.health, 0.5);
  sick.behave((_req, res) => res.end("ok"));
  await eventually(
    () => stateOfHere()?.state === "healthy",
    15_000,
    "here to recover (rise 2, then the ramp)",
  );
});

test("successful probes put a measured RTT from this ingress in the snapshot", async (t) => {
  const w = await startTestWorld({
    sites: [
      { id: "here", backends: 1 },
      { id: "far", tier: "hub", longitude: 100, backends: 1 },
    ],
    boot: { probes: PROBES },
  });
  t.after(() => w.close());
  const gateway = w.gateway("here");
  const far = () => gateway.state.snapshot.siteIndex.get("far") ?? -1;
  const here = () => gateway.state.snapshot.siteIndex.get("here") ?? -1;
  assert.equal(
    gateway.state.snapshot.rttMeasured[here()]?.[far()],
    false,
    "before any probe: the estimate",
  );
  const estimate = gateway.state.snapshot.rttMs[here()]?.[far()] ?? 0;
  await eventually(
    () => gateway.state.snapshot.rttMeasured[here()]?.[far()] === true,
    10_000,
    "a measured RTT",
  );
  const measured = gateway.state.snapshot.rttMs[here()]?.[far()] ?? 0;
  assert.ok(
    measured < estimate,
    `loopback (${measured} ms) is nearer than 100° of longitude (${estimate} ms)`,
  );
  const sites = (await (await fetch(`${gateway.adminUrl}/sites`)).json()) as {
    probeLatencyMs: Record<string, { count: number; p50Ms: number; p99Ms: number } | null>;
  };
  assert.ok(
    (sites.probeLatencyMs.far?.count ?? 0) > 0,
    "/sites shows the probe latency percentiles",
  );
  assert.ok((sites.probeLatencyMs.far?.p99Ms ?? -1) >= (sites.probeLatencyMs.far?.p50Ms ?? 0));
});

const settleCases: {
  name: string;
  published: Record<string, number>;
  measured: Record<string, number>;
  expected: Record<string, number> | undefined;
}[] = [
  {
    name: "the first measurements are published as they are",
    published: {},
    measured: { dar: 2.0, znz: 2.1 },
    expected: { dar: 2.0, znz: 2.1 },
  },
  {
    name: "moves within 1 ms are not published at all",
    published: { dar: 2.0, znz: 2.1 },
    measured: { dar: 2.4, znz: 1.7 },
    expected: undefined,
  },
  {
    name: "a site that moved keeps its new figure; a near tie elsewhere keeps its published order",
    // fra moved by 20 ms and is republished; dar and znz swapped by noise and are not.
    published: { dar: 2.0, znz: 2.1, fra: 100 },
    measured: { dar: 2.4, znz: 1.7, fra: 120 },
    expected: { dar: 2.0, znz: 2.1, fra: 120 },
  },
  {
    name: "a move over 1 ms but under 10 % of a long RTT is not published",
    published: { fra: 100 },
    measured: { fra: 108 },
    expected: undefined,
  },
  {
    name: "a site gone from the measurements is gone from the table",
    published: { dar: 2.0, znz: 2.1 },
    measured: { dar: 2.0 },
    expected: { dar: 2.0 },
  },
];

for (const c of settleCases) {
  test(`settleRtt: ${c.name}`, () => {
    assert.deepEqual(settleRtt(c.published, c.measured), c.expected);
  });
}
