/**
 * `gateway serve` with a bad GeoIP database, as a real process: one clear line on stderr and
 * exit 1, not a stack trace (issue 11). The database is crafted by the test (mmdb-bytes.ts).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { mmdbFile, pointerBomb } from "../testing/mmdb-bytes.ts";
import { EXIT_INVALID } from "./io.ts";

const CLI = new URL("../cli.ts", import.meta.url).pathname;

test("a GeoIP database refused at boot is one line naming the file and why, and exit 1", {
  timeout: 30_000,
}, async (t) => {
  const folder = mkdtempSync(join(tmpdir(), "serve-geoip-"));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const bomb = pointerBomb(24);
  writeFileSync(join(folder, "city.mmdb"), mmdbFile(bomb.data, bomb.record));
  writeFileSync(
    join(folder, "catalogue.yaml"),
    'sites:\n  - { id: here, name: Here, country: EC, jurisdiction: EC, latitude: 0, longitude: 0, tier: hub, capacity: 10, backends: ["127.0.0.1:9"] }\n',
  );
  writeFileSync(join(folder, "policy.yaml"), 'services:\n  - { name: web, hosts: ["*"] }\n');
  writeFileSync(
    join(folder, "gateway.yaml"),
    "site: here\ncatalogue: catalogue.yaml\npolicy: policy.yaml\ngeoip: city.mmdb\nlisten: { host: 127.0.0.1, port: 0 }\nadmin: { host: 127.0.0.1, port: 0 }\nworkers: 1\n",
  );
  const child = spawn(process.execPath, [CLI, "serve", "--config", join(folder, "gateway.yaml")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => child.kill("SIGKILL"));
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  assert.equal(code, EXIT_INVALID, stderr);
  const lines = stderr.split("\n").filter((line) => line.trim() !== "");
  assert.equal(lines.length, 1, stderr);
  assert.match(
    lines[0] ?? "",
    /city\.mmdb: GeoIP database refused: .*expands to more than 10000 values/,
  );
  assert.doesNotMatch(stderr, /^\s+at /m, "no stack trace");
  assert.equal(stdout, "");
});
