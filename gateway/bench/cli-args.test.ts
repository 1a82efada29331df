// Every bench's command line, run as a user would: --help answers the usage (exit 0), and an
// unknown option or a bad number answers one line naming it and the usage (exit 2) — no stack
// trace, and nothing started.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";

const BENCHES = [
  "proxy.bench.ts",
  "dns.bench.ts",
  "tls.bench.ts",
  "reaction.bench.ts",
  "simulate.bench.ts",
  "geo-cache.bench.ts",
];

const run = (file: string, ...args: string[]) =>
  spawnSync(process.execPath, [new URL(file, import.meta.url).pathname, ...args], {
    encoding: "utf8",
    timeout: 30_000,
  });

for (const file of BENCHES) {
  test(`${file}: --help, an unknown option and a bad number get a plain answer`, () => {
    const help = run(file, "--help");
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^usage: /);
    const unknown = run(file, "--bogus");
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /: Unknown option '--bogus'\nusage: /);
    assert.doesNotMatch(unknown.stderr, /\n\s+at /, "no stack trace");
    const bad = run(file, "--rounds", "many");
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--rounds takes a whole number from 1 to \d+, not many\n/);
  });
}
