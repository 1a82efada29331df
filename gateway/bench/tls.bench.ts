/**
 * `npm run bench:tls`: what TLS costs the gateway, beside nginx with the same certificate, in
 * one run. Each target (tls-targets.ts) has a plain and a TLS listener; in each round every
 * target gets, in turn: HTTP/1.1 in the clear, HTTP/1.1 over TLS (h2load --h1, 64
 * connections), HTTP/2 over TLS (h2load, 4 connections × 16 streams: 64 at a time), and full
 * handshakes (connect, handshake, close). Figures: the target's CPU µs per request or per
 * handshake (its whole process tree, /proc), rates, handshakes per core-second; goals MET or
 * MISSED (tls-report.ts). A benchmark, not a test. Linux only (it reads /proc); needs h2load
 * and openssl; nginx optional.
 *
 *   node gateway/bench/tls.bench.ts [--rounds N] [--requests N] [--handshakes N] [--json] [--keep]
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { localCa } from "../demo/local-ca.ts";
import { Children } from "./children.ts";
import { benchArgs, wholeArg } from "./cli-args.ts";
import { findNginx, nginxVersion } from "./nginx-conf.ts";
import { PROC_AVAILABLE } from "./process-tree.ts";
import { startTarget } from "./targets.ts";
import { type LoadMode, type LoadResult, type LoadSpec, measure } from "./tls-load.ts";
import {
  figureOf,
  formatTlsGoals,
  formatTlsTable,
  type TargetFigures,
  type TargetRuns,
  tlsGoals,
} from "./tls-report.ts";
import { startTlsTarget, type TlsTarget, type TlsTargetName } from "./tls-targets.ts";

const USAGE =
  "usage: npm run bench:tls -- [--rounds 3] [--requests 40000] [--handshakes 2000] [--json] [--keep]";
const values = benchArgs("bench:tls", USAGE, (args) => {
  const { values } = parseArgs({
    args,
    options: {
      rounds: { type: "string", default: "3" },
      requests: { type: "string", default: "40000" },
      handshakes: { type: "string", default: "2000" },
      json: { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
    },
  });
  return {
    ...values,
    rounds: wholeArg(values.rounds, "rounds", 1, 100),
    requests: wholeArg(values.requests, "requests", 1, 10_000_000),
    handshakes: wholeArg(values.handshakes, "handshakes", 1, 1_000_000),
  };
});

const spec: LoadSpec = {
  requests: values.requests,
  h1Connections: 64,
  h2Connections: 4,
  h2Streams: 16,
  handshakes: values.handshakes,
  handshakeConcurrency: 16,
};
const rounds = values.rounds;
const MODES: readonly LoadMode[] = ["plain-h1", "tls-h1", "tls-h2", "handshake"];
const say = (line: string) => {
  if (!values.json) console.log(line);
};

function requireTools(): void {
  if (!PROC_AVAILABLE) throw new Error("needs Linux /proc for CPU time");
  for (const tool of ["h2load", "openssl"])
    try {
      execFileSync(tool, ["--version"], { stdio: "ignore" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT")
        throw new Error(`${tool} is not installed`);
    }
}

async function main(): Promise<void> {
  requireTools();
  const dir = mkdtempSync(join(tmpdir(), "tls-bench-"));
  const children = new Children();
  process.once("exit", () => children.killAllNow());
  process.once("SIGINT", () => process.exit(130));
  try {
    const ca = localCa(join(dir, "pki"), "TLS bench CA");
    const pair = ca.issue("server", { hosts: ["localhost", "127.0.0.1"] });
    const upstream = await startTarget("upstream", { children, dir, readyTimeoutMs: 20_000 });
    const [first, second] = [upstream.url, upstream.secondUrl ?? upstream.url].map((u) =>
      u.slice(7),
    );
    const nginx = findNginx();
    const ctx = {
      children,
      dir,
      upstream: [first ?? "", second ?? ""] as const,
      pair,
      caCert: ca.caCert,
      ...(nginx && { nginx }),
      readyTimeoutMs: 30_000,
    };
    const names: TlsTargetName[] = nginx ? ["gateway", "nginx"] : ["gateway"];
    if (!nginx) say("nginx is not installed: its runs are skipped");
    const targets: TlsTarget[] = [];
    for (const name of names) targets.push(await startTlsTarget(name, ctx));
    const results = await runRounds(targets);
    report(results, nginx ? nginxVersion(nginx) : undefined);
  } finally {
    await children.stopAll();
    if (values.keep) say(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

async function runRounds(targets: readonly TlsTarget[]) {
  const results = new Map<string, LoadResult[]>();
  const urlOf = (t: TlsTarget, mode: LoadMode) => (mode === "plain-h1" ? t.plainUrl : t.tlsUrl);
  const warm = {
    ...spec,
    requests: Math.ceil(spec.requests / 10),
    handshakes: Math.ceil(spec.handshakes / 10),
  };
  for (const target of targets)
    for (const mode of MODES) await measure(mode, urlOf(target, mode), pidOf(target), warm);
  for (let round = 1; round <= rounds; round++)
    // Each round starts at another mode, so no mode always runs first (or after the same one).
    for (const target of targets)
      for (const mode of [
        ...MODES.slice(round % MODES.length),
        ...MODES.slice(0, round % MODES.length),
      ]) {
        const result = await measure(mode, urlOf(target, mode), pidOf(target), spec);
        const key = `${target.name}|${mode}`;
        results.set(key, [...(results.get(key) ?? []), result]);
        say(
          `round ${round} ${target.name} ${mode}: ${(result.cpuMicros / Math.max(1, result.done)).toFixed(1)} µs/unit, ${(result.done / result.seconds).toFixed(0)}/s`,
        );
      }
  return results;
}

function pidOf(target: TlsTarget): number {
  if (target.child.pid === undefined) throw new Error(`${target.name} has no pid`);
  return target.child.pid;
}

function report(results: ReadonlyMap<string, LoadResult[]>, nginxVersionText: string | undefined) {
  const figures: Record<string, TargetFigures> = {};
  const runsOf: Record<string, TargetRuns> = {};
  for (const [key, runs] of results) {
    const [name = "", mode = ""] = key.split("|");
    const figure = figureOf(runs);
    if (figure) figures[name] = { ...figures[name], [mode as LoadMode]: figure };
    runsOf[name] = { ...runsOf[name], [mode as LoadMode]: runs };
  }
  const goals = tlsGoals(runsOf.gateway ?? {}, runsOf.nginx);
  if (values.json) {
    console.log(
      JSON.stringify({ spec, rounds, nginx: nginxVersionText ?? null, figures, goals }, null, 2),
    );
    return;
  }
  console.log(
    `\nTLS benchmark: ${rounds} rounds, median; ${spec.requests} requests and ${spec.handshakes} handshakes per run`,
  );
  console.log(
    `(h1: ${spec.h1Connections} connections; h2: ${spec.h2Connections} connections × ${spec.h2Streams} streams; nginx ${nginxVersionText ?? "absent"})\n`,
  );
  console.log(formatTlsTable(figures));
  console.log(`\n${formatTlsGoals(goals)}`);
}

await main();
