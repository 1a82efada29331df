/**
 * DESIGN.md's dependency rule, enforced: routing-tables/ imports nothing from the other
 * folders; health/ imports only types from routing-tables/; loadtests/ and deploy/ stand alone.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";

const ROOT = join(import.meta.dirname, "..");
const IMPORT = /^\s*(import|export)\s+(type\s+)?[^;]*?from\s+["']([^"']+)["']/gm;

function sources(folder: string): string[] {
  const dir = join(ROOT, folder);
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.includes("node_modules"))
    .map((f) => join(dir, f));
}

/** [file, target folder, type-only] for each relative import that leaves its own folder. */
function crossings(folder: string): [string, string, boolean][] {
  const out: [string, string, boolean][] = [];
  for (const file of sources(folder)) {
    for (const match of readFileSync(file, "utf8").matchAll(IMPORT)) {
      const target = match[3] ?? "";
      if (!target.startsWith(".")) continue;
      const resolved = relative(ROOT, join(file, "..", target));
      const top = resolved.split(/[\\/]/)[0] ?? "";
      if (top !== folder) out.push([relative(ROOT, file), top, match[2] !== undefined]);
    }
  }
  return out;
}

test("routing-tables imports nothing from the other folders", () => {
  assert.deepEqual(crossings("routing-tables"), []);
});

test("health imports only types, and only from routing-tables", () => {
  // The rule is about the product's modules: health's tests may build data with routing-tables.
  const isTest = (file: string) => file.endsWith(".test.ts") || file.includes("/testing/");
  const wrong = crossings("health").filter(
    ([file, top, typeOnly]) => !isTest(file) && (top !== "routing-tables" || !typeOnly),
  );
  assert.deepEqual(wrong, []);
});

test("the rule's own scanner sees a crossing import (so the tests above can fail)", () => {
  const found = crossings("gateway");
  assert.ok(
    found.some(([, top]) => top === "routing-tables"),
    "gateway imports routing-tables",
  );
});
