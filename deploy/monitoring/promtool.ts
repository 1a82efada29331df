/**
 * Runs Prometheus's promtool (Debian package `prometheus`; CI installs it) for the checks in
 * this folder, and tells whether this promtool can read Consul service discovery: Debian 12
 * builds Prometheus without it ("Disable Consul SD until its Debian package is back in
 * shape", changelog of 2.33.5+ds1-4), so its `check config` refuses consul_sd_configs.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PromtoolResult {
  readonly status: number | null;
  readonly output: string;
}

/** Why promtool cannot run here, for a skip message; undefined when it can. */
export function promtoolMissing(): string | undefined {
  const probe = spawnSync("promtool", ["--version"], { encoding: "utf8" });
  return probe.error ? "promtool is absent (apt-get install -y prometheus)" : undefined;
}

export function promtool(args: readonly string[], cwd?: string): PromtoolResult {
  const result = spawnSync("promtool", args, { encoding: "utf8", cwd, timeout: 120_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Whether this promtool's configuration schema has consul_sd_configs. */
export function promtoolHasConsulSd(): boolean {
  const folder = mkdtempSync(join(tmpdir(), "promtool-probe-"));
  try {
    const file = join(folder, "probe.yml");
    writeFileSync(
      file,
      "scrape_configs:\n  - job_name: probe\n    consul_sd_configs:\n      - server: 127.0.0.1:8500\n",
    );
    return promtool(["check", "config", file]).status === 0;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
