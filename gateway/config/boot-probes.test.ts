// The boot schema and the prober check probe settings each; a boot file the schema accepts
// must never make the prober throw at start (it once accepted intervalMs 5 and min > max).
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkProbeSettings, DEFAULT_PROBE_SETTINGS } from "../../health/probes/probe-settings.ts";
import { bootSchema } from "./boot-schema.ts";

const probesOf = (probes: Record<string, unknown>) =>
  bootSchema.safeParse({ site: "a", catalogue: "c.yaml", policy: "p.yaml", probes });

test("the boot defaults for probes are the prober's defaults", () => {
  const parsed = probesOf({});
  assert.ok(parsed.success);
  const { enabled: _, ...probes } = parsed.data.probes;
  assert.deepEqual(probes, {
    intervalMs: DEFAULT_PROBE_SETTINGS.intervalMs,
    jitterRatio: DEFAULT_PROBE_SETTINGS.jitterRatio,
    timeoutMs: DEFAULT_PROBE_SETTINGS.timeoutMs,
    path: DEFAULT_PROBE_SETTINGS.path,
    expectedStatus: DEFAULT_PROBE_SETTINGS.expectedStatus,
  });
});

const edges: { name: string; probes: Record<string, unknown> }[] = [
  { name: "the smallest interval", probes: { intervalMs: 10 } },
  { name: "the largest interval", probes: { intervalMs: 600_000 } },
  { name: "the longest timeout", probes: { timeoutMs: 60_000 } },
  { name: "the widest jitter", probes: { jitterRatio: 0.5 } },
  { name: "a one-status range", probes: { expectedStatus: { min: 204, max: 204 } } },
  { name: "a deep path", probes: { path: "/health/ready?full=1" } },
];
for (const c of edges) {
  test(`what the boot schema accepts, the prober accepts: ${c.name}`, () => {
    const parsed = probesOf(c.probes);
    assert.ok(parsed.success, parsed.success ? "" : parsed.error.message);
    const { enabled: _, ...probes } = parsed.data.probes;
    assert.deepEqual(checkProbeSettings({ ...DEFAULT_PROBE_SETTINGS, ...probes }), []);
  });
}

const refused: { name: string; probes: Record<string, unknown> }[] = [
  { name: "an interval under the prober's 10 ms", probes: { intervalMs: 5 } },
  { name: "a status range with min above max", probes: { expectedStatus: { min: 399, max: 200 } } },
  { name: "a path with a space", probes: { path: "/health check" } },
];
for (const c of refused) {
  test(`the boot schema refuses what the prober would throw on: ${c.name}`, () => {
    assert.equal(probesOf(c.probes).success, false);
  });
}
