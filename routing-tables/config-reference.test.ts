import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { configReference, withConfigReference } from "./config-reference.ts";

const README = new URL("./README.md", import.meta.url);

test("routing-tables/README.md's configuration reference is the one the schemas generate (run npm run docs)", () => {
  const readme = readFileSync(README, "utf8");
  assert.equal(readme, withConfigReference(readme));
});

test("the reference lists every field with its default and bounds", () => {
  const { catalogue = "", policy = "" } = configReference();
  assert.match(catalogue, /\| `sites\[\]\.capacity` \| integer \| required \| 1 to 10000000 \|/);
  assert.match(policy, /\| `defaults\.overprovisioningFactor` \| number \| `1\.4` \| 1 to 10 \|/);
  assert.match(policy, /\| `defaults\.panicThresholdPercent` \| number \| `50` \| 0 to 100 \|/);
  assert.match(
    policy,
    /\| `defaults\.residency\[\]\.mode` \| `fail-closed` \\\| `fail-open` \| `"fail-closed"` \|/,
  );
});

test("a README without the markers is refused rather than silently left stale", () => {
  assert.throws(() => withConfigReference("# no markers here"), /config-reference:catalogue:start/);
});
