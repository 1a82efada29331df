/**
 * DNS steering's numbers (a benchmark, not a test): answers per second through real PowerDNS
 * (dnsperf as the load) with PowerDNS's packet and query caches off and on, the backend calls
 * that reach the gateway, the gateway's CPU per answer (measured in-process: the gateway runs
 * in this process, dnsperf and PowerDNS in their own), and the failover time (dns-failover.ts).
 * Needs pdns-server, pdns-backend-remote, dnsutils and dnsperf.
 * Usage: node gateway/bench/dns.bench.ts [--seconds N] [--threads N] [--rounds N] [--no-failover] [--json]
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { RunningGateway } from "../process/start-gateway.ts";
import { startDnsGateway } from "../testing/dns-world.ts";
import { powerdnsMissing, startPowerDns } from "../testing/powerdns.ts";
import { benchArgs, wholeArg } from "./cli-args.ts";
import { measureFailover } from "./dns-failover.ts";
import { type DnsperfReport, runDnsperf } from "./dnsperf.ts";
import { sampleTree } from "./process-tree.ts";

const USAGE =
  "usage: npm run bench:dns -- [--seconds 5] [--threads 8] [--rounds 3] [--no-failover] [--json]";
const { values, seconds, threads, rounds } = benchArgs("bench:dns", USAGE, (args) => {
  const { values } = parseArgs({
    args,
    options: {
      seconds: { type: "string", default: "5" },
      threads: { type: "string", default: "8" },
      rounds: { type: "string", default: "3" },
      "no-failover": { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
  });
  return {
    values,
    seconds: wholeArg(values.seconds, "seconds", 1, 600),
    threads: wholeArg(values.threads, "threads", 1, 256),
    rounds: wholeArg(values.rounds, "rounds", 1, 100),
  };
});

interface Mix {
  readonly name: string;
  readonly query: string;
  readonly subnet?: string;
}

const MIXES: readonly Mix[] = [
  { name: "www A, ECS Zanzibar /28", query: "www.example.test A", subnet: "198.51.100.160/28" },
  { name: "www A, no ECS (resolver's address)", query: "www.example.test A" },
  { name: "zone SOA", query: "example.test SOA" },
];

interface Row {
  readonly caches: "off" | "on";
  readonly threads: number;
  readonly mix: string;
  readonly qps: number;
  readonly avgLatencyMs: number;
  readonly lost: number;
  readonly rcodes: DnsperfReport["rcodes"];
  /** Remote-backend look-ups that reached the gateway, per answer. */
  readonly callsPerAnswer: number;
  /** The gateway process's CPU (user + system) per answer, µs. */
  readonly gatewayCpuUsPerAnswer: number;
  /** null when no call reached the gateway (every answer from PowerDNS's caches). */
  readonly gatewayCpuUsPerCall: number | null;
  /** PowerDNS's CPU per answer, µs (from /proc). */
  readonly pdnsCpuUsPerAnswer: number;
}

async function lookups(gateway: RunningGateway): Promise<number> {
  const metrics = await gateway.metricsJson();
  const series = metrics.find((m) => m.name === "gateway_dns_answers_total");
  return (series?.values ?? []).reduce((sum, v) => sum + v.value, 0);
}

async function run(
  gateway: RunningGateway,
  caches: boolean,
  pdnsThreads: number,
  mix: Mix,
  dir: string,
): Promise<Row> {
  const queryFile = join(dir, "queries.txt");
  writeFileSync(queryFile, `${mix.query}\n`);
  const pdns = await startPowerDns({
    endpointUrl: gateway.dnsUrl ?? "",
    zone: "example.test",
    caches,
    threads: pdnsThreads,
  });
  try {
    const load = { port: pdns.port, queryFile, ...(mix.subnet && { subnet: mix.subnet }) };
    await runDnsperf({ ...load, seconds: 1 }); // warm-up: JIT, caches, connections
    const [calls0, cpu0, pdnsCpu0] = [
      await lookups(gateway),
      process.cpuUsage(),
      sampleTree(pdns.pid),
    ];
    const report = await runDnsperf({ ...load, seconds });
    const cpu = process.cpuUsage(cpu0);
    const calls = (await lookups(gateway)) - calls0;
    const pdnsCpu = sampleTree(pdns.pid).cpuMicros - pdnsCpu0.cpuMicros;
    const answers = Math.max(1, report.completed);
    const gatewayCpu = cpu.user + cpu.system;
    return {
      caches: caches ? "on" : "off",
      threads: pdnsThreads,
      mix: mix.name,
      qps: Math.round(report.qps),
      avgLatencyMs: Number(report.avgLatencyMs.toFixed(2)),
      lost: report.lost,
      rcodes: report.rcodes,
      callsPerAnswer: Number((calls / answers).toFixed(3)),
      gatewayCpuUsPerAnswer: Number((gatewayCpu / answers).toFixed(1)),
      gatewayCpuUsPerCall: calls > 0 ? Math.round(gatewayCpu / calls) : null,
      pdnsCpuUsPerAnswer: Number((pdnsCpu / answers).toFixed(1)),
    };
  } finally {
    await pdns.stop();
  }
}

function table(rows: readonly Row[]): string {
  const head =
    "caches threads  mix                                   answers/s  avg ms  lost  calls/answer  gw µs/answer  gw µs/call  pdns µs/answer";
  const lines = rows.map(
    (r) =>
      `${r.caches.padEnd(6)} ${String(r.threads).padStart(7)}  ${r.mix.padEnd(36)} ${String(r.qps).padStart(10)} ${r.avgLatencyMs.toFixed(1).padStart(7)} ${String(r.lost).padStart(5)} ${r.callsPerAnswer.toFixed(2).padStart(13)} ${String(r.gatewayCpuUsPerAnswer).padStart(13)} ${String(r.gatewayCpuUsPerCall ?? "-").padStart(11)} ${String(r.pdnsCpuUsPerAnswer).padStart(15)}`,
  );
  return [head, ...lines].join("\n");
}

const missing =
  powerdnsMissing() ??
  (() => {
    try {
      execFileSync("dnsperf", ["-h"], { stdio: "ignore" });
      return undefined;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "ENOENT"
        ? "dnsperf absent (Debian: dnsperf)"
        : undefined;
    }
  })();
if (missing) {
  console.error(`bench:dns: ${missing}`);
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), "dns-bench-"));
const gateway = await startDnsGateway({ ttlSeconds: 30 });
const rows: Row[] = [];
try {
  for (const caches of [false, true])
    for (const mix of MIXES) rows.push(await run(gateway, caches, threads, mix, dir));
  if (threads !== 3) rows.push(await run(gateway, false, 3, MIXES[0] as Mix, dir));
} finally {
  await gateway.shutdown(100);
  rmSync(dir, { recursive: true, force: true });
}
const failover = values["no-failover"] ? undefined : await measureFailover(rounds);
const cores = (await import("node:os")).availableParallelism();
if (values.json) {
  console.log(JSON.stringify({ seconds, cores, rows, failover }, null, 2));
} else {
  console.log(
    `DNS answers through PowerDNS (dnsperf, ${seconds} s a run, ${cores} cores):\n${table(rows)}`,
  );
  if (failover) {
    const ms = (list: readonly number[]) => list.map((v) => v.toFixed(0)).join(", ");
    const { intervalMs, timeoutMs, fall } = failover.probe;
    console.log(
      `\nFailover, dig until the fallback answers (PowerDNS caches off; add the TTL for resolvers):`,
    );
    console.log(`  compromise (admin API):   ${ms(failover.compromiseMs)} ms`);
    console.log(
      `  backends killed (probes every ${intervalMs} ms, timeout ${timeoutMs} ms, fall ${fall}): ${ms(failover.killMs)} ms`,
    );
  }
}
