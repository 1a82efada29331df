// The drill's command line: --help answers the usage; an unknown option one line and exit 2,
// before any world is started.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";

const CLI = new URL("drill-cli.ts", import.meta.url).pathname;
const run = (...args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8", timeout: 30_000 });

test("npm run drill -- --help shows the usage; an unknown option is refused with exit 2", () => {
  const help = run("--help");
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^usage: npm run drill/);
  const unknown = run("--bogus");
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /^drill: Unknown option '--bogus'\nusage: /);
});
