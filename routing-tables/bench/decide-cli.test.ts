// The decision bench's command line: --help answers the usage; an unknown option or a bad
// number one line and exit 2, without a stack trace.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";

const BENCH = new URL("decide.bench.ts", import.meta.url).pathname;
const run = (...args: string[]) =>
  spawnSync(process.execPath, [BENCH, ...args], { encoding: "utf8", timeout: 30_000 });

test("bench:decide: --help, an unknown option and a bad --rounds get a plain answer", () => {
  assert.equal(run("--help").status, 0);
  const unknown = run("--bogus");
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /^bench:decide: Unknown option '--bogus'\nusage: /);
  const bad = run("--rounds", "0");
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--rounds takes a whole number from 1 to 100, not 0/);
});
