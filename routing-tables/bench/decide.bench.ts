/**
 * Decisions per second on the reference world (a benchmark, not a test).
 *   repeat clients: a few thousand request facts, over and over (a gateway's steady state);
 *   new clients:    every decision from a client at a location never seen before (random
 *                   country, region, continent, coordinates); plans are shared by every client
 *                   that matches the same residency rule and geo pin, so the memo stays warm;
 *   cold plans:     the memo is cleared before every decision, so each computes its plan from
 *                   scratch: the cost of the first request per key after a snapshot swap;
 *   direct answers: ranked from each new client's own coordinates (DNS answers), memo missed.
 * Rounds are interleaved so the machine's noise falls on every case alike; the median round
 * is reported. Usage: node routing-tables/bench/decide.bench.ts [--json] [--rounds N]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { countries } from "countries-list";
import { parse } from "yaml";
import { catalogueSchema } from "../catalogue-schema.ts";
import type { ClientLocation } from "../client.ts";
import { decide, type RequestFacts } from "../decide.ts";
import { policySchema } from "../policy-schema.ts";
import { buildSnapshot } from "../snapshot.ts";
import { mulberry32 } from "../testing/random.ts";

const USAGE = "usage: npm run bench:decide -- [--rounds 7] [--json]";

function readArgs() {
  try {
    const { values } = parseArgs({
      options: {
        json: { type: "boolean", default: false },
        rounds: { type: "string", default: "7" },
        help: { type: "boolean", default: false },
      },
    });
    const rounds = Number(values.rounds);
    if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100)
      throw new Error(`--rounds takes a whole number from 1 to 100, not ${values.rounds}`);
    return { values, rounds };
  } catch (error) {
    process.stderr.write(`bench:decide: ${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
}

const { values, rounds } = readArgs();
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const read = (name: string) =>
  parse(readFileSync(new URL(`../reference-world/${name}`, import.meta.url), "utf8"));
const catalogue = catalogueSchema.parse(read("catalogue.yaml"));
const policy = policySchema.parse(read("policy.yaml"));
const snapshot = buildSnapshot({
  version: 1,
  catalogue,
  policy,
  health: { cdg: { state: "degraded", fraction: 0.4 }, dar: { state: "down", fraction: 0 } },
});

const places: ClientLocation[] = [
  { country: "AR", continent: "SA", region: "AR-C" },
  { country: "BR", continent: "SA", region: "BR-SP" },
  { country: "TZ", continent: "AF", region: "TZ-15" },
  { country: "TZ", continent: "AF", region: "TZ-02" },
  { country: "FR", continent: "EU", region: "FR-IDF" },
  { country: "GB", continent: "EU", region: "GB-ENG" },
  { country: "US", continent: "NA", region: "US-FL" },
  { country: "JP", continent: "AS" },
  {},
];
const hosts = ["app.example.net", "api.example.net", "media.example.net"];
const ingresses = catalogue.sites.map((s) => s.id);
const random = mulberry32(42);
const factsPool: RequestFacts[] = [];
for (let i = 0; i < 4096; i++) {
  factsPool.push({
    ingress: ingresses[Math.floor(random() * ingresses.length)] as string,
    host: hosts[Math.floor(random() * hosts.length)] as string,
    path: "/",
    client: places[Math.floor(random() * places.length)] as ClientLocation,
  });
}
const countryCodes = Object.keys(countries);
const continents = ["AF", "AN", "AS", "EU", "NA", "OC", "SA"];
const FRESH = 1 << 18;
const freshPool: RequestFacts[] = [];
for (let i = 0; i < FRESH; i++) {
  const country = countryCodes[Math.floor(random() * countryCodes.length)] as string;
  freshPool.push({
    ingress: ingresses[Math.floor(random() * ingresses.length)] as string,
    host: hosts[Math.floor(random() * hosts.length)] as string,
    path: "/",
    client: {
      country,
      region: `${country}-${Math.floor(random() * 40)}`,
      continent: continents[Math.floor(random() * continents.length)] as string,
      latitude: random() * 140 - 70,
      longitude: random() * 360 - 180,
    },
  });
}
const directPool: RequestFacts[] = freshPool.map((f) => ({ ...f, direct: true }));

type Case = { name: string; iterations: number; run: (i: number) => number };
let sink = 0;
const cases: Case[] = [
  {
    name: "repeat clients",
    iterations: 2_000_000,
    run: (i) => decide(snapshot, factsPool[i & 4095] as RequestFacts, random).first,
  },
  {
    name: "new clients",
    iterations: FRESH,
    run: (i) => decide(snapshot, freshPool[i] as RequestFacts, random).first,
  },
  {
    name: "cold plans (first after a snapshot swap)",
    iterations: 200_000,
    run: (i) => {
      snapshot.plans.clear();
      return decide(snapshot, freshPool[i] as RequestFacts, random).first;
    },
  },
  {
    name: "direct answers (new client each)",
    iterations: 200_000,
    run: (i) => decide(snapshot, directPool[i] as RequestFacts, random).first,
  },
];

function measure(c: Case): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < c.iterations; i++) sink += c.run(i);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return c.iterations / seconds;
}

for (const c of cases) measure({ ...c, iterations: Math.ceil(c.iterations / 10) }); // warm-up
const perRound = new Map<string, number[]>(cases.map((c) => [c.name, []]));
for (let r = 0; r < rounds; r++) for (const c of cases) perRound.get(c.name)?.push(measure(c));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const results = cases.map((c) => {
  const all = perRound.get(c.name) ?? [];
  return {
    case: c.name,
    decisionsPerSecond: Math.round(median(all)),
    nsPerDecision: Math.round(1e9 / median(all)),
    min: Math.round(Math.min(...all)),
    max: Math.round(Math.max(...all)),
  };
});
const meta = {
  sites: catalogue.sites.length,
  services: policy.services.length,
  rounds,
  node: process.version,
  sink: sink % 2,
};
if (values.json) {
  console.log(JSON.stringify({ benchmark: "decide", ...meta, results }, null, 2));
} else {
  console.log(
    `decide() on the reference world: ${meta.sites} sites, ${meta.services} services, median of ${rounds} rounds, one core`,
  );
  for (const r of results) {
    console.log(
      `  ${r.case.padEnd(42)} ${r.decisionsPerSecond.toLocaleString("en").padStart(12)} /s  ${String(r.nsPerDecision).padStart(7)} ns  (range ${r.min.toLocaleString("en")}–${r.max.toLocaleString("en")})`,
    );
  }
}
