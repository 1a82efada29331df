import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { withConfigReference } from "../../routing-tables/config-reference.ts";
import { GATEWAY_SCHEMAS } from "./config-reference.cli.ts";
import { loadBoot } from "./load-boot.ts";

const README = new URL("./README.md", import.meta.url);

test("gateway/config/README.md's boot configuration reference is the one the schema generates (run npm run docs)", () => {
  const readme = readFileSync(README, "utf8");
  assert.equal(readme, withConfigReference(readme, GATEWAY_SCHEMAS));
});

test("the example boot config loads, with paths made absolute from its folder", () => {
  const loaded = loadBoot(new URL("./example-gateway.yaml", import.meta.url).pathname);
  assert.ok(loaded.ok, loaded.ok ? "" : loaded.errors.map((e) => e.message).join("; "));
  assert.equal(loaded.boot.site, "bue");
  assert.match(loaded.boot.catalogue, /^\/.*routing-tables\/reference-world\/catalogue\.yaml$/);
  assert.equal(loaded.boot.limits.headersTimeoutMs, 10_000);
  assert.deepEqual(
    loaded.boot.dns.zones.map((zone) => zone.name),
    ["example.test"],
    "DNS steering on, for the zone the reference policy's *.example.test hosts are in",
  );
});

test("every file the example boot config names exists (its GeoIP path once named a moved folder, and serve crashed at start)", () => {
  const loaded = loadBoot(new URL("./example-gateway.yaml", import.meta.url).pathname);
  assert.ok(loaded.ok);
  const { catalogue, policy, geoip } = loaded.boot;
  for (const file of [catalogue, policy, geoip]) assert.ok(file && existsSync(file), `${file}`);
});

test("a boot config with errors lists every one with its line", () => {
  const file = new URL("./testdata/bad-boot.yaml", import.meta.url).pathname;
  const loaded = loadBoot(file);
  assert.equal(loaded.ok, false);
  if (loaded.ok) return;
  assert.deepEqual(
    loaded.errors.map((e) => [e.line, e.path]),
    [
      [2, "listen.port"],
      [4, "workers"],
      [5, "colour"],
    ],
  );
});
