/**
 * Look-ups per second, uncached (openClientLocator) against cached (createGeoCache, warm),
 * for random addresses inside the demo database's networks (a benchmark, not a test):
 *   ipv4 / ipv6:  random addresses in the /28s and /48s of clients.json;
 *   ipv4 + noise: as ipv4, with 1 in 10 addresses anywhere in IPv4 (mostly "location
 *                 unknown" networks of many prefix lengths, so a hit probes more lengths).
 * Rounds are interleaved so the machine's noise falls on every case alike; the median round
 * is reported. Usage: node gateway/bench/geo-cache.bench.ts [--json] [--rounds N]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { mulberry32 } from "../../routing-tables/testing/random.ts";
import { openClientLocator } from "../client-facts/client-locator.ts";
import { createGeoCache, type GeoCache } from "../client-facts/geo-cache.ts";
import { openNetworkLocator } from "../client-facts/network-locator.ts";
import { DEMO_GEOIP } from "../config/config-files.ts";
import { benchArgs, wholeArg } from "./cli-args.ts";

const USAGE = "usage: node gateway/bench/geo-cache.bench.ts [--rounds 7] [--json]";
const { values, rounds } = benchArgs("geo-cache bench", USAGE, (args) => {
  const { values } = parseArgs({
    args,
    options: {
      json: { type: "boolean", default: false },
      rounds: { type: "string", default: "7" },
    },
  });
  return { values, rounds: wholeArg(values.rounds, "rounds", 1, 100) };
});
const ADDRESSES = 20_000;
/** Passes per measurement: a cached pass is ~50× shorter, so it is repeated to time it well. */
const PASSES = { uncached: 1, cached: 20 };

const random = mulberry32(42);
const below = (n: number) => Math.floor(random() * n);
const hex16 = () => below(0x10000).toString(16);
const places: { ipv4: string; ipv6: string }[] = JSON.parse(
  readFileSync(new URL("../demo/geoip/clients.json", import.meta.url), "utf8"),
);

function inIpv4Network(): string {
  const [base = ""] = (places[below(places.length)]?.ipv4 ?? "").split("/");
  return base.replace(/\d+$/, (last) => String(Number(last) + below(16)));
}
function inIpv6Network(): string {
  const prefix = (places[below(places.length)]?.ipv6 ?? "").replace(/::\/48$/, "");
  return `${prefix}:${hex16()}:${hex16()}:${hex16()}:${hex16()}:${hex16()}`;
}
const anyIpv4 = () => [below(256), below(256), below(256), below(256)].join(".");

const workloads: Record<string, string[]> = {
  ipv4: Array.from({ length: ADDRESSES }, inIpv4Network),
  ipv6: Array.from({ length: ADDRESSES }, inIpv6Network),
  "ipv4 + noise": Array.from({ length: ADDRESSES }, () =>
    below(10) === 0 ? anyIpv4() : inIpv4Network(),
  ),
};

const uncached = openClientLocator(DEMO_GEOIP);
const network = openNetworkLocator(DEMO_GEOIP);
const caches: Record<string, GeoCache> = {};
for (const [name, addresses] of Object.entries(workloads)) {
  const cache = createGeoCache(network);
  for (const address of addresses) cache.locate(address); // warm: every network seen once
  caches[name] = cache;
}

/** Look-ups per second over `passes` passes of the addresses. */
function measure(
  locate: (address: string) => unknown,
  addresses: readonly string[],
  passes: number,
): number {
  const start = process.hrtime.bigint();
  for (let pass = 0; pass < passes; pass++) for (const address of addresses) locate(address);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return (addresses.length * passes) / seconds;
}

const samples = new Map<string, number[]>();
const record = (name: string, value: number) =>
  samples.set(name, [...(samples.get(name) ?? []), value]);
for (let round = 0; round < rounds; round++) {
  for (const [name, addresses] of Object.entries(workloads)) {
    const cache = caches[name] as GeoCache;
    record(`${name} uncached`, measure(uncached.locate, addresses, PASSES.uncached));
    record(
      `${name} cached`,
      measure((a) => cache.locate(a), addresses, PASSES.cached),
    );
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const results = [...samples].map(([name, xs]) => ({
  name,
  lookupsPerSecond: Math.round(median(xs)),
}));
const cacheStats = Object.fromEntries(Object.entries(caches).map(([n, c]) => [n, c.stats()]));

if (values.json) {
  console.log(JSON.stringify({ node: process.version, rounds, results, cacheStats }, null, 2));
} else {
  console.log(`geo cache, demo database, ${ADDRESSES} addresses, median of ${rounds} rounds`);
  for (const { name, lookupsPerSecond } of results) {
    console.log(`  ${name.padEnd(24)} ${lookupsPerSecond.toLocaleString("en").padStart(12)} /s`);
  }
  for (const [name, stats] of Object.entries(cacheStats)) {
    console.log(`  cache ${name}: ${stats.size} networks, ${stats.misses} misses`);
  }
}
