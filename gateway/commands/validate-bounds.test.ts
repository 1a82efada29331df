// `gateway validate` through the real bin on hostile files: a policy of 200,000 YAML errors is
// answered quickly with the first 100 and a count (exit 1, no stack overflow), a file over the
// size cap is named with the cap.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";

const ROOT = join(import.meta.dirname, "..", "..");
const GENEROUS = { timeout: 60_000 };

function writeFile(t: TestContext, name: string, text: string): string {
  const directory = mkdtempSync(join(tmpdir(), "gateway-validate-bounds-"));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  const file = join(directory, name);
  writeFileSync(file, text);
  return file;
}

/** The bin's exit code and output; killed when the test ends (a hang fails by the timeout). */
function validate(
  t: TestContext,
  args: readonly string[],
): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ["gateway/cli.ts", "validate", ...args], { cwd: ROOT });
  t.after(() => child.kill("SIGKILL"));
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    err += chunk;
  });
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, out, err })));
}

const POLICY_OF_200K_ERRORS = `services:\n${"]".repeat(200_000)}\n`;

test(
  "gateway validate on a policy of 200,000 YAML errors lists 100, counts the rest, exits 1",
  GENEROUS,
  async (t) => {
    const file = writeFile(t, "policy.yaml", POLICY_OF_200K_ERRORS);
    const { code, out, err } = await validate(t, [file]);
    assert.equal(code, 1, err.slice(0, 2000));
    assert.equal(out, "");
    const lines = err.trimEnd().split("\n");
    assert.equal(lines.length, 102, err.slice(0, 2000));
    assert.ok(lines.slice(0, 100).every((line) => line.startsWith(`${file}:2:`)));
    assert.equal(lines[100], `${file}: 199900 more errors not listed (only the first 100 are)`);
    assert.equal(
      lines[101],
      "gateway: 200000 errors (the first 100 listed); configuration not applied",
    );
  },
);

test(
  "gateway validate --json on the same policy gives 101 entries, the last with the count",
  GENEROUS,
  async (t) => {
    const file = writeFile(t, "policy.yaml", POLICY_OF_200K_ERRORS);
    const { code, out } = await validate(t, ["--json", file]);
    assert.equal(code, 1);
    const answer = JSON.parse(out) as { ok: boolean; errors: { more?: number }[] };
    assert.equal(answer.ok, false);
    assert.equal(answer.errors.length, 101);
    assert.equal(answer.errors.at(-1)?.more, 199_900);
  },
);

test("gateway validate names a file over the size cap, and the cap", GENEROUS, async (t) => {
  const file = writeFile(t, "catalogue.yaml", `sites: []\n# ${"x".repeat(600_000)}\n`);
  const { code, err } = await validate(t, [file]);
  assert.equal(code, 1);
  assert.equal(
    err,
    `${file}: too large: 600013 bytes; a config file may hold at most 524288 bytes (512 KiB)\n` +
      "gateway: 1 error; configuration not applied\n",
  );
});
