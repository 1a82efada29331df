/**
 * What-if simulation speed on the reference world (a benchmark, not a test), one core:
 *   in memory, 23 places:      1 M rows from the demo world's places, already parsed
 *   in memory, 50 000 spots:   1 M rows from 50 000 distinct client locations (the ingress
 *                              memo and the plan memo see many keys)
 *   CSV file with ips:         1 M rows written to a CSV of client addresses, read, located
 *                              with the demo GeoIP database (cached per network) and simulated:
 *                              what `gateway simulate --mix FILE` does, end to end
 * Each under `cdg=degraded:0.4,dar=down`. Rounds are interleaved; the median round is
 * reported. Usage: node gateway/bench/simulate.bench.ts [--json] [--rounds N] [--rows N]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type MixRow, simulate } from "../../routing-tables/simulate.ts";
import { applySiteStates, parseSiteStates } from "../../routing-tables/site-scenario.ts";
import { buildSnapshot } from "../../routing-tables/snapshot.ts";
import { mulberry32 } from "../../routing-tables/testing/random.ts";
import { openClientLocator } from "../client-facts/client-locator.ts";
import { createGeoCache } from "../client-facts/geo-cache.ts";
import {
  DEMO_GEOIP,
  DEMO_PLACES,
  loadWorld,
  REFERENCE_CATALOGUE,
  REFERENCE_POLICY,
} from "../config/config-files.ts";
import { readMix } from "../what-if/mix-source.ts";
import { runWhatIf } from "../what-if/what-if-run.ts";
import { benchArgs, wholeArg } from "./cli-args.ts";

const USAGE = "usage: npm run bench:simulate -- [--rounds 3] [--rows 1000000] [--json]";
const { values, rounds, rowCount } = benchArgs("bench:simulate", USAGE, (args) => {
  const { values } = parseArgs({
    args,
    options: {
      json: { type: "boolean", default: false },
      rounds: { type: "string", default: "3" },
      rows: { type: "string", default: "1000000" },
    },
  });
  return {
    values,
    rounds: wholeArg(values.rounds, "rounds", 1, 100),
    rowCount: wholeArg(values.rows, "rows", 1, 100_000_000),
  };
});
const STATE = "cdg=degraded:0.4,dar=down";
const OPTIONS = { serviceTimeMs: 100 };

const world = loadWorld(REFERENCE_CATALOGUE, REFERENCE_POLICY);
if (!world.ok) throw new Error("the reference world is invalid");
const { catalogue, policy } = world;
const siteIds = new Set(catalogue.sites.map((s) => s.id));
const parsed = parseSiteStates(STATE, siteIds);
if (!parsed.ok) throw new Error(parsed.errors.join("; "));
const states = parsed.states;
const snapshotNow = () =>
  buildSnapshot({
    version: 1,
    catalogue: catalogue,
    policy: policy,
    ...applySiteStates({ health: {}, overrides: {} }, states),
  });

const random = mulberry32(7);
const hosts = ["app.example.net", "api.example.net", "media.example.net"];
const places: MixRow[] = [];
const locator = openClientLocator(DEMO_GEOIP);
for (const place of (await import(DEMO_PLACES, { with: { type: "json" } })).default as {
  sample: string;
  city: string;
}[])
  places.push({
    group: place.city,
    client: locator.locate(place.sample),
    host: "app.example.net",
    path: "/",
    rps: 1,
  });
const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
const placeRows = Array.from({ length: rowCount }, () => ({ ...pick(places), host: pick(hosts) }));
const spots = Array.from({ length: 50_000 }, (_, i): MixRow => {
  const base = pick(places);
  const client = { ...base.client, latitude: random() * 140 - 70, longitude: random() * 360 - 180 };
  return { ...base, group: `${base.group} ${i % 500}`, client };
});
const spotRows = Array.from({ length: rowCount }, () => ({ ...pick(spots), host: pick(hosts) }));

const dir = mkdtempSync(join(tmpdir(), "gateway-simulate-bench-"));
const csv = join(dir, "mix.csv");
const samples = [...places.keys()].map((i) => `198.51.100.${(i % 16) * 16 + 1 + (i % 13)}`);
writeFileSync(
  csv,
  `ip,host,rps\n${Array.from({ length: rowCount }, () => `${pick(samples)},${pick(hosts)},1`).join("\n")}\n`,
);

async function fromCsv(): Promise<number> {
  const cache = createGeoCache(openClientLocator(DEMO_GEOIP));
  const context = {
    locate: (ip: string) => cache.locate(ip),
    defaultHost: "app.example.net",
    siteIds,
  };
  const steps = [{ name: STATE, states }];
  const run = await runWhatIf(
    { catalogue: catalogue, policies: [policy], steps, options: OPTIONS },
    (sink) => readMix(csv, "csv", context, sink),
  );
  return run.results[0]?.[0]?.rps ?? 0;
}

type Case = { name: string; run: () => number | Promise<number> };
const cases: Case[] = [
  { name: "in memory, 23 places", run: () => simulate(snapshotNow(), placeRows, OPTIONS).rps },
  { name: "in memory, 50 000 spots", run: () => simulate(snapshotNow(), spotRows, OPTIONS).rps },
  { name: "CSV file with ips (read + GeoIP + simulate)", run: fromCsv },
];

let sink = 0;
async function measure(c: Case): Promise<number> {
  const start = process.hrtime.bigint();
  sink += await c.run();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

try {
  const perRound = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  for (const c of cases) await measure(c); // warm-up
  for (let r = 0; r < rounds; r++)
    for (const c of cases) perRound.get(c.name)?.push(await measure(c));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const results = cases.map((c) => {
    const all = perRound.get(c.name) ?? [];
    return {
      case: c.name,
      rows: rowCount,
      seconds: Number(median(all).toFixed(3)),
      rowsPerSecond: Math.round(rowCount / median(all)),
      min: Number(Math.min(...all).toFixed(3)),
      max: Number(Math.max(...all).toFixed(3)),
    };
  });
  const meta = {
    sites: catalogue.sites.length,
    services: policy.services.length,
    state: STATE,
    rounds,
    node: process.version,
    sink: sink > 0,
  };
  if (values.json)
    console.log(JSON.stringify({ benchmark: "simulate", ...meta, results }, null, 2));
  else {
    console.log(
      `simulate on the reference world (${meta.sites} sites, ${meta.services} services) under ${STATE}, median of ${rounds} rounds, one core`,
    );
    for (const r of results)
      console.log(
        `  ${r.case.padEnd(46)} ${r.rows.toLocaleString("en")} rows in ${r.seconds.toFixed(2)} s  (${r.rowsPerSecond.toLocaleString("en")} rows/s; range ${r.min}–${r.max} s)`,
      );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
