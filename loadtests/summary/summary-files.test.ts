import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { K6_SUMMARY_DIR, summaryFiles } from "./summary-files.ts";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

test("k6's default summary folder is committed, so a fresh clone has it (k6 creates no folder)", (t) => {
  assert.ok(existsSync(join(REPO, K6_SUMMARY_DIR)), `${K6_SUMMARY_DIR} is missing`);
  const listed = spawnSync("git", ["ls-files", "--", K6_SUMMARY_DIR], {
    cwd: REPO,
    encoding: "utf8",
  });
  if (listed.error || listed.status !== 0) {
    t.skip("not a git checkout (or no git): only the folder's presence was checked");
    return;
  }
  assert.match(listed.stdout, /\.gitkeep/, `nothing under ${K6_SUMMARY_DIR} is tracked by git`);
});

const cases: [name: string, dir: string, json: string][] = [
  ["the default folder", K6_SUMMARY_DIR, "loadtests/out/k6/smoke-summary.json"],
  ["a folder given with a trailing slash", "/tmp/k6/", "/tmp/k6/smoke-summary.json"],
  ["the folder k6 runs in (SUMMARY_DIR empty)", "", "./smoke-summary.json"],
];
for (const [name, dir, json] of cases) {
  test(`summary files in ${name}: <dir>/<workload>-summary.json and .txt`, () => {
    const files = summaryFiles(dir, "smoke");
    assert.equal(files.json, json);
    assert.equal(files.text, json.replace(/\.json$/, ".txt"));
  });
}
