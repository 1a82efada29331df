/**
 * How long from a health change to the new snapshot (a benchmark, not a test): for each
 * source, N changes, each timed from the change to the snapshot that reflects it, in an
 * HDR histogram. Sources: a Consul index bump (checks going critical/passing in the Consul
 * double), a probe failure (a backend answering 503; reported also in probe intervals, the
 * goal being < 3), and a breaker opening (from the open event to the snapshot).
 * Usage: node gateway/bench/reaction.bench.ts [--rounds N] [--json]
 */
import { parseArgs } from "node:util";
import * as hdr from "hdr-histogram-js";
import pino from "pino";
import { startConsulDouble } from "../../health/testing/consul-double/consul-double.ts";
import { catalogueSchema } from "../../routing-tables/catalogue-schema.ts";
import { policySchema } from "../../routing-tables/policy-schema.ts";
import { type RunningGateway, startGateway } from "../process/start-gateway.ts";
import { consulCatalogue, loopbackBoot, registerApp, testSite } from "../testing/consul-world.ts";
import { startBackend } from "../testing/fixtures.ts";
import { benchArgs, wholeArg } from "./cli-args.ts";

const USAGE = "usage: npm run bench:reaction -- [--rounds 30] [--json]";
const { values, rounds } = benchArgs("bench:reaction", USAGE, (args) => {
  const { values } = parseArgs({
    args,
    options: {
      rounds: { type: "string", default: "30" },
      json: { type: "boolean", default: false },
    },
  });
  return { values, rounds: wholeArg(values.rounds, "rounds", 1, 10_000) };
});
const PROBE_INTERVAL_MS = 200;

const site = (id: string, extra: Record<string, unknown>) =>
  testSite(id, { capacity: 1000, ...extra });
const policy = policySchema.parse({
  defaults: { spill: { rampUpMs: 1 } },
  services: [{ name: "web", hosts: ["*"] }],
});
const boot = (extra: Record<string, unknown>) =>
  loopbackBoot({ health: { passive: true, evaluateIntervalMs: 50 }, ...extra });

/** Resolves with the ms until `check` holds on a new snapshot, polled on every swap. */
function timeUntil(gateway: RunningGateway, check: () => boolean, from: number): Promise<number> {
  return new Promise((resolve) => {
    if (check()) return resolve(performance.now() - from);
    const stop = gateway.state.subscribe(() => {
      if (!check()) return;
      stop();
      resolve(performance.now() - from);
    });
  });
}

function histogram() {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
}

async function consulCase(): Promise<number[]> {
  const double = await startConsulDouble({ datacenters: ["near-dc"], random: () => 0 });
  const app = await startBackend("app");
  const hub = await startBackend("hub");
  registerApp(double, "n1", "app", app.address);
  const catalogue = consulCatalogue(hub.address, { hubLongitude: 9, capacity: 1000 });
  const gateway = await startGateway({
    boot: boot({ consul: { enabled: true, register: false, waitMs: 60_000 } }),
    catalogue,
    policy,
    logger: pino({ level: "silent" }),
    consul: { address: double.url },
  });
  const backendsOfNear = () =>
    gateway.state.snapshot.sites.find((s) => s.id === "near")?.config.backends?.length ?? 0;
  await timeUntil(gateway, () => backendsOfNear() === 1, performance.now());
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    while (double.blockedQueries() === 0) await new Promise((r) => setTimeout(r, 1));
    const up = i % 2 === 1;
    const from = performance.now();
    double.setCheckStatus("near-dc", "app-ok", up ? "passing" : "critical");
    samples.push(await timeUntil(gateway, () => backendsOfNear() === (up ? 1 : 0), from));
  }
  await gateway.shutdown(200);
  await app.kill();
  await hub.kill();
  await double.close();
  return samples;
}

async function probeCase(): Promise<number[]> {
  const app = await startBackend("app");
  const hub = await startBackend("hub");
  const catalogue = catalogueSchema.parse({
    sites: [
      site("near", { longitude: 0, tier: "edge", backends: [app.address] }),
      site("hub", { longitude: 9, tier: "hub", backends: [hub.address] }),
    ],
  });
  const gateway = await startGateway({
    boot: boot({
      probes: { enabled: true, intervalMs: PROBE_INTERVAL_MS, jitterRatio: 0, timeoutMs: 100 },
    }),
    catalogue,
    policy,
    logger: pino({ level: "silent" }),
  });
  const stateOfNear = () => gateway.state.snapshot.sites.find((s) => s.id === "near")?.state;
  const samples: number[] = [];
  for (let i = 0; i < Math.min(rounds, 20); i++) {
    const fail = i % 2 === 0;
    const from = performance.now();
    app.behave((_req, res) => {
      res.writeHead(fail ? 503 : 200);
      res.end();
    });
    const took = await timeUntil(
      gateway,
      () => (fail ? stateOfNear() === "down" : stateOfNear() === "healthy"),
      from,
    );
    if (fail) samples.push(took); // recoveries (rise 2, then the ramp) are not what the goal is about
  }
  await gateway.shutdown(200);
  await app.kill();
  await hub.kill();
  return samples;
}

async function breakerCase(): Promise<number[]> {
  const hub = await startBackend("hub");
  const samples: number[] = [];
  for (let i = 0; i < Math.min(rounds, 10); i++) {
    const app = await startBackend("app");
    const catalogue = catalogueSchema.parse({
      sites: [
        site("near", { longitude: 0, tier: "edge", backends: [app.address] }),
        site("hub", { longitude: 9, tier: "hub", backends: [hub.address] }),
      ],
    });
    let openedAt = 0;
    const gateway = await startGateway({
      boot: boot({
        breakers: {
          site: { volumeThreshold: 5, resetTimeoutMs: 60_000 },
          backend: { volumeThreshold: 5, resetTimeoutMs: 60_000 },
        },
      }),
      catalogue,
      policy,
      logger: pino({ level: "silent" }),
      onObservation: (o) => {
        if (o.kind === "breaker" && o.state === "open" && openedAt === 0)
          openedAt = performance.now();
      },
    });
    await app.kill();
    const down = timeUntil(
      gateway,
      () => gateway.state.snapshot.sites.find((s) => s.id === "near")?.state === "down",
      0,
    );
    while (openedAt === 0) await fetch(`${gateway.url}/x`).then((r) => r.arrayBuffer());
    samples.push((await down) - openedAt);
    await gateway.shutdown(200);
  }
  await hub.kill();
  return samples;
}

const cases: [string, () => Promise<number[]>][] = [
  ["Consul index bump → snapshot", consulCase],
  [`probe failure → snapshot (interval ${PROBE_INTERVAL_MS} ms)`, probeCase],
  ["breaker open → snapshot", breakerCase],
];
const results = [];
for (const [name, run] of cases) {
  const samples = await run();
  const h = histogram();
  for (const ms of samples) h.recordValue(Math.max(1, Math.round(ms * 1000)));
  const q = (p: number) => h.getValueAtPercentile(p) / 1000;
  results.push({
    case: name,
    samples: samples.length,
    p50Ms: q(50),
    p99Ms: q(99),
    maxMs: h.maxValue / 1000,
  });
}
if (values.json)
  console.log(
    JSON.stringify({ benchmark: "reaction", probeIntervalMs: PROBE_INTERVAL_MS, results }, null, 2),
  );
else {
  console.log("time from a health change to the new snapshot serving");
  for (const r of results)
    console.log(
      `  ${r.case.padEnd(44)} n=${String(r.samples).padStart(3)}  p50 ${r.p50Ms.toFixed(1)} ms  p99 ${r.p99Ms.toFixed(1)} ms  max ${r.maxMs.toFixed(1)} ms`,
    );
  console.log(
    `  (probe goal: < 3 intervals = ${3 * PROBE_INTERVAL_MS} ms; fall 3 needs 3 failed probes: 2 to 3 intervals plus a probe's own round trip)`,
  );
}
process.exit(0);
