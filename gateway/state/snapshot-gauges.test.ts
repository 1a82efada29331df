import assert from "node:assert/strict";
import { test } from "node:test";
import { adminPost, startTestWorld } from "../testing/fixtures.ts";

test("/metrics shows each site's state and health, and follows an ops override", async (t) => {
  const world = await startTestWorld({ sites: [{ id: "here" }, { id: "hub", tier: "hub" }] });
  t.after(() => world.close());
  const gateway = world.gateway("here");
  const metrics = async () => (await fetch(`${gateway.adminUrl}/metrics`)).text();
  const before = await metrics();
  assert.match(before, /^gateway_site_state\{site="here",state="healthy"\} 1$/m);
  assert.match(before, /^gateway_site_state\{site="here",state="compromised"\} 0$/m);
  assert.match(before, /^gateway_site_health\{site="here"\} 1$/m);
  await adminPost(`${gateway.adminUrl}/sites/here/compromise`);
  gateway.state.update({ health: { hub: { state: "degraded", fraction: 0.25 } } });
  const after = await metrics();
  assert.match(after, /^gateway_site_state\{site="here",state="compromised"\} 1$/m);
  assert.match(after, /^gateway_site_state\{site="here",state="healthy"\} 0$/m);
  assert.match(after, /^gateway_site_state\{site="hub",state="degraded"\} 1$/m);
  assert.match(after, /^gateway_site_health\{site="hub"\} 0.25$/m);
});
