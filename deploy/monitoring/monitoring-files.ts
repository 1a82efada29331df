/**
 * Every generated file of deploy/monitoring: the Prometheus configuration and the expected
 * datacenters (from the sites' env files), and the Grafana dashboards (from their TypeScript
 * descriptions). `node deploy/monitoring/monitoring-files.ts` writes them; `--check` only says
 * whether the committed ones are current (a test runs the same check).
 */

import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { fleetDashboard } from "./fleet-dashboard.ts";
import { gatewayDashboard } from "./gateway-dashboard.ts";
import { fleetDatacentersRules, fleetSites, prometheusConfig } from "./prometheus-config.ts";

const HERE = new URL("./", import.meta.url).pathname;

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Every generated file, by path relative to this folder. */
export function expectedMonitoringFiles(sites = fleetSites()): Map<string, string> {
  return new Map([
    ["prometheus.yml", prometheusConfig(sites)],
    ["rules/fleet-datacenters.yml", fleetDatacentersRules(sites)],
    ["grafana/gateway-fleet.json", json(fleetDashboard())],
    ["grafana/gateway-instance.json", json(gatewayDashboard())],
  ]);
}

/**
 * Whether a committed file says what the generator says: the same text, or for JSON the same
 * value (the repository's formatter, Biome, lays JSON out its own way).
 */
function isCurrent(file: string, expected: string): boolean {
  try {
    const text = readFileSync(HERE + file, "utf8");
    if (!file.endsWith(".json")) return text === expected;
    return isDeepStrictEqual(JSON.parse(text), JSON.parse(expected));
  } catch {
    return false;
  }
}

/** Generated files that are missing or stale; empty when the folder is current. */
export function staleMonitoringFiles(): string[] {
  return [...expectedMonitoringFiles()]
    .filter(([file, text]) => !isCurrent(file, text))
    .map(([file]) => file);
}

if (import.meta.main) {
  if (process.argv.includes("--check")) {
    const stale = staleMonitoringFiles();
    console.log(stale.length ? `stale: ${stale.join(", ")}` : "deploy/monitoring is current");
    process.exitCode = stale.length ? 1 : 0;
  } else {
    const files = [...expectedMonitoringFiles()];
    for (const [file, text] of files) writeFileSync(HERE + file, text);
    // Laid out as the repository's formatter would, so `npm run lint` stays clean.
    const json = files.map(([file]) => HERE + file).filter((f) => f.endsWith(".json"));
    spawnSync("npx", ["biome", "format", "--write", ...json], { stdio: "inherit" });
    console.log("deploy/monitoring written");
  }
}
