// validateConfig on hostile input: as many errors as a file can hold, a file over the size
// cap, a map too wide for a quadratic duplicate-key check. Each answer must come, capped,
// within a generous timeout, and without a throw.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ConfigError } from "./config-error.ts";
import { errorTotal, MAX_LISTED_ERRORS } from "./error-list.ts";
import { type ConfigResult, type ConfigText, validateConfig } from "./load-config.ts";
import { MAX_CONFIG_BYTES } from "./yaml-source.ts";

const GENEROUS = { timeout: 60_000 };

/** The errors, or a plain test failure when the config was accepted or validation threw. */
function errorsOf(files: readonly ConfigText[]): readonly ConfigError[] {
  let result: ConfigResult;
  try {
    result = validateConfig(files);
  } catch (error) {
    assert.fail(`validateConfig threw instead of listing errors: ${String(error)}`);
  }
  if (result.ok) assert.fail("expected errors, the configuration was accepted");
  return result.errors;
}

test(
  "a policy with 200,000 YAML errors is answered with the first 100 and a count of the rest",
  GENEROUS,
  () => {
    // Each stray "]" is one error: 200 KB, well under the size cap.
    const text = `services:\n${"]".repeat(200_000)}\n`;
    const errors = errorsOf([{ file: "policy.yaml", text }]);
    assert.equal(errors.length, MAX_LISTED_ERRORS + 1);
    const listed = errors.slice(0, MAX_LISTED_ERRORS);
    assert.ok(
      listed.every((e) => e.file === "policy.yaml" && e.line === 2 && e.more === undefined),
    );
    assert.deepEqual(
      listed.map((e) => e.column),
      listed.map((_, i) => i + 1),
      "the first 100 by position: columns 1 to 100 of line 2",
    );
    const last = errors.at(-1);
    assert.equal(last?.more, 199_900);
    assert.equal(last?.file, "policy.yaml");
    assert.match(last?.message ?? "", /^199900 more errors not listed/);
    assert.equal(errorTotal(errors), 200_000);
  },
);

test(
  "a map of 40,000 distinct unknown keys is answered, capped (no quadratic key check)",
  GENEROUS,
  () => {
    const lines = Array.from({ length: 40_000 }, (_, i) => `  k${i.toString(36)}: 1`);
    const text = `defaults:\n${lines.join("\n")}\nservices:\n  - name: web\n    hosts: [a.example]\n`;
    assert.ok(text.length < MAX_CONFIG_BYTES);
    const errors = errorsOf([{ file: "policy.yaml", text }]);
    assert.equal(errors.length, MAX_LISTED_ERRORS + 1);
    assert.deepEqual(
      { line: errors[0]?.line, path: errors[0]?.path, message: errors[0]?.message },
      { line: 2, path: "defaults.k0", message: "unknown key" },
    );
    assert.equal(errorTotal(errors), 40_000);
  },
);

const tooLargeRows: { name: string; text: string; size: string }[] = [
  {
    name: "a text one byte over the size cap is one error naming the file and the cap",
    text: `# ${"x".repeat(MAX_CONFIG_BYTES - 1)}`,
    size: `more than ${MAX_CONFIG_BYTES} bytes`,
  },
  {
    name: "a text under the cap in characters but over it in UTF-8 bytes is refused too",
    text: "é".repeat(MAX_CONFIG_BYTES / 2 + 1),
    size: `${MAX_CONFIG_BYTES + 2} bytes`,
  },
];

for (const row of tooLargeRows) {
  test(row.name, () => {
    const errors = errorsOf([{ file: "policy.yaml", text: row.text }]);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.equal(errors[0]?.file, "policy.yaml");
    assert.equal(
      errors[0]?.message,
      `too large: ${row.size}; a config file may hold at most ${MAX_CONFIG_BYTES} bytes (512 KiB)`,
    );
  });
}

test("a text exactly at the size cap is parsed (and here found to be no config)", () => {
  const text = `# ${"x".repeat(MAX_CONFIG_BYTES - 2)}`;
  const errors = errorsOf([{ file: "notes.yaml", text }]);
  assert.equal(errors.length, 1);
  assert.match(errors[0]?.message ?? "", /neither a catalogue/);
});

test("a text of the gateway's own with a raised cap is parsed beyond the default cap", () => {
  const padding = `# ${"x".repeat(MAX_CONFIG_BYTES)}\n`;
  const text = `${padding}services:\n  - name: web\n    hosts: [a.example]\n`;
  const result = validateConfig([
    { file: "(policy now serving)", text, maxBytes: Number.POSITIVE_INFINITY },
  ]);
  assert.equal(result.ok, true, JSON.stringify(result));
});
