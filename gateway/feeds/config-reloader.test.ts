// configReloader over real files in a temporary folder and a routing state of its own: a file
// replaced on disk is reloaded through the file watch; a file of 200,000 YAML errors is refused
// quickly with a capped list while the last good config keeps serving.
import assert from "node:assert/strict";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import pino from "pino";
import { loadWorld } from "../config/config-files.ts";
import { GatewayMetrics } from "../state/metrics.ts";
import { RoutingState } from "../state/routing-state.ts";
import { eventually } from "../testing/fixtures.ts";
import { configReloader } from "./config-reloader.ts";

const CATALOGUE = `sites:
  - { id: a, name: A, country: EC, jurisdiction: EC, latitude: 0, longitude: 0, tier: hub, capacity: 10, backends: ["127.0.0.1:1001"] }
`;
const policy = (name: string) => `services:\n  - { name: ${name}, hosts: ["*"] }\n`;

/** Config files in a fresh folder and a state loaded from them. */
function world(t: TestContext) {
  const folder = mkdtempSync(join(tmpdir(), "config-reloader-"));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const files = { catalogue: join(folder, "catalogue.yaml"), policy: join(folder, "policy.yaml") };
  writeFileSync(files.catalogue, CATALOGUE);
  writeFileSync(files.policy, policy("first"));
  const loaded = loadWorld(files.catalogue, files.policy);
  assert.ok(loaded.ok, JSON.stringify(loaded));
  const state = new RoutingState({ catalogue: loaded.catalogue, policy: loaded.policy });
  const metrics = new GatewayMetrics();
  metrics.trackRoutingState(state);
  return { files, state, metrics };
}

/** Writes `text` beside `file`, then renames it over `file`, as deploy tools do. */
function renameOver(file: string, text: string): void {
  writeFileSync(`${file}.new`, text);
  renameSync(`${file}.new`, file);
}

test("a policy file replaced by rename is reloaded through the file watch, without a signal", async (t) => {
  const { files, state, metrics } = world(t);
  const reloader = configReloader(files, state, metrics, pino({ level: "silent" }), true);
  t.after(() => reloader.close());
  renameOver(files.policy, policy("second"));
  await eventually(() => state.snapshot.services[0]?.name === "second", 10_000, "the reload");
  assert.equal(state.rejected, undefined);
});

test("a policy of 200,000 YAML errors is refused with the first 100 and a count; the last good serves", {
  timeout: 60_000,
}, async (t) => {
  const { files, state, metrics } = world(t);
  const reloader = configReloader(files, state, metrics, pino({ level: "silent" }), false);
  const before = state.snapshot;
  writeFileSync(files.policy, `services:\n${"]".repeat(200_000)}\n`);
  assert.equal(reloader.reload(), false);
  assert.equal(state.snapshot, before);
  const errors = state.rejected?.errors ?? [];
  assert.equal(errors.length, 101);
  assert.equal(errors.at(-1)?.more, 199_900);
  assert.match(await metrics.registry.metrics(), /^gateway_config_rejected 1$/m);
});
