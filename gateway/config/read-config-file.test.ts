// readConfigFile and the loaders that use it, on real files: a config file is never read past
// its size cap, and one over the cap is refused with an error naming the file and the cap.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { MAX_CONFIG_BYTES } from "../../routing-tables/yaml-source.ts";
import { loadConfigFiles } from "./config-files.ts";
import { loadBoot } from "./load-boot.ts";
import { readConfigFile } from "./read-config-file.ts";

const CAP_TEXT = `${MAX_CONFIG_BYTES} bytes (512 KiB)`;

function folder(t: TestContext): string {
  const directory = mkdtempSync(join(tmpdir(), "read-config-file-"));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

test("a file at the size cap is read whole", (t) => {
  const file = join(folder(t), "policy.yaml");
  writeFileSync(file, "#".repeat(MAX_CONFIG_BYTES));
  const read = readConfigFile(file);
  assert.ok("text" in read, JSON.stringify(read));
  assert.equal(read.text.length, MAX_CONFIG_BYTES);
});

test("a file one byte over the size cap is refused from its size, naming the file and the cap", (t) => {
  const file = join(folder(t), "policy.yaml");
  writeFileSync(file, "#".repeat(MAX_CONFIG_BYTES + 1));
  const read = readConfigFile(file);
  assert.ok("error" in read, "refused");
  assert.equal(read.error.file, file);
  assert.equal(
    read.error.message,
    `too large: ${MAX_CONFIG_BYTES + 1} bytes; a config file may hold at most ${CAP_TEXT}`,
  );
});

test("a file without a size or an end (/dev/zero) is read no further than one byte past the cap", {
  skip: existsSync("/dev/zero") ? false : "no /dev/zero here",
}, () => {
  const read = readConfigFile("/dev/zero", 4096);
  assert.ok("error" in read, "refused");
  assert.match(read.error.message, /^too large: more than 4096 bytes/);
});

test("a file that does not exist is an error naming it", (t) => {
  const file = join(folder(t), "nowhere.yaml");
  const read = readConfigFile(file);
  assert.ok("error" in read);
  assert.match(read.error.message, /^cannot read: ENOENT/);
});

test("the catalogue and policy loader refuses a policy over the cap, and still checks the catalogue", (t) => {
  const directory = folder(t);
  const catalogue = join(directory, "catalogue.yaml");
  const policy = join(directory, "policy.yaml");
  writeFileSync(catalogue, "sites: []\n");
  writeFileSync(policy, `services: []\n# ${"x".repeat(MAX_CONFIG_BYTES)}\n`);
  const result = loadConfigFiles([catalogue, policy]);
  if (result.ok) assert.fail("accepted");
  assert.ok(result.errors.some((e) => e.file === policy && e.message.startsWith("too large")));
  assert.ok(result.errors.some((e) => e.file === catalogue && e.path === "sites"));
});

test("a boot config over the cap is refused, naming the file and the cap", (t) => {
  const file = join(folder(t), "gateway.yaml");
  writeFileSync(file, `site: bue\n# ${"x".repeat(MAX_CONFIG_BYTES)}\n`);
  const result = loadBoot(file);
  if (result.ok) assert.fail("accepted");
  assert.equal(result.errors.length, 1);
  assert.equal(result.errors[0]?.file, file);
  assert.match(result.errors[0]?.message ?? "", new RegExp(`at most ${MAX_CONFIG_BYTES} bytes`));
});
