// The metric contract the central monitoring is built on (deploy/monitoring/metric-contract.ts:
// its alert rules, recording rules and dashboards name only these) held against what a real
// gateway exposes: every family it promises is there, with the type it promises. Families that
// exist only with a part configured (Consul, the fleet, TLS, DNS, a GeoIP database) are checked where that part's
// own tests run; here, a plain gateway must expose every other one.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { send, startTestWorld } from "../testing/fixtures.ts";
import { adminPost } from "../testing/test-admin.ts";
import { PKI_SKIP } from "../testing/test-pki.ts";
import { handshake, startTlsWorld } from "../testing/tls-world.ts";

const CONTRACT = new URL("../../deploy/monitoring/metric-contract.ts", import.meta.url);
const NEEDS_A_PART = /^gateway_(consul|fleet|tls|dns|geoip)_/;

function exposedFamilies(text: string): Map<string, string> {
  return new Map(
    [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]),
  );
}

function contract(): Map<string, string> {
  const text = readFileSync(CONTRACT, "utf8");
  const entries = [...text.matchAll(/^\s+(gateway_\w+): \{ type: "(\w+)"/gm)];
  return new Map(entries.map((m) => [m[1] as string, m[2] as string]));
}

test("a gateway exposes every family of the monitoring contract, with its type", async (t) => {
  const families = contract();
  assert.ok(families.size > 20, `the contract was read (${families.size} families)`);
  const w = await startTestWorld({ sites: [{ id: "solo", tier: "hub" }], ingresses: ["solo"] });
  t.after(() => w.close());
  const gateway = w.gateway("solo");
  assert.equal((await send(`${gateway.url}/x`)).status, 200);
  assert.equal((await adminPost(`${gateway.adminUrl}/sites/solo/drain`)).status, 200);
  const text = await (await fetch(`${gateway.adminUrl}/metrics`)).text();
  const exposed = exposedFamilies(text);
  const missing = [...families]
    .filter(([name]) => !NEEDS_A_PART.test(name))
    .filter(([name, type]) => exposed.get(name) !== type)
    .map(([name, type]) => `${name} (${type}; exposed: ${exposed.get(name) ?? "absent"})`);
  assert.deepEqual(missing, []);
});

test("a gateway serving TLS exposes every gateway_tls_ family of the contract, with its labels", {
  skip: PKI_SKIP,
}, async (t) => {
  const families = [...contract()].filter(([name]) => name.startsWith("gateway_tls_"));
  assert.ok(families.length >= 3, `the contract names TLS families (${families.length})`);
  const w = await startTlsWorld({ sites: [{ id: "solo", tier: "hub" }], ingresses: ["solo"] });
  t.after(() => w.close());
  await handshake(w.port, { servername: "localhost" });
  const text = await (await fetch(`${w.gateway("solo").adminUrl}/metrics`)).text();
  const exposed = exposedFamilies(text);
  const missing = families
    .filter(([name, type]) => exposed.get(name) !== type)
    .map(([name, type]) => `${name} (${type}; exposed: ${exposed.get(name) ?? "absent"})`);
  assert.deepEqual(missing, []);
  const expiry = text.split("\n").find((line) => line.startsWith("gateway_tls_certificate_expiry"));
  assert.match(expiry ?? "", /\{certificate="[^"]+",key_type="[^"]+"\} \d+/);
});
