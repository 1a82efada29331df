/**
 * Proxy benchmark (not a test): the upstream asked directly, bare undici pass-throughs (on
 * `pool.request` and on `pool.dispatch`), the gateway with every feature on (one worker and
 * two), and nginx when installed, each in a process of its own, loaded by wrk (or
 * autocannon) in another, with 64 keep-alive connections, small and 16 KiB bodies. Runs are
 * interleaved: for each round, for each target (the order rotates by round), for each body. Per run it takes req/s and p50/p99
 * from the load generator, the target's CPU time per response and its RSS from /proc.
 * Reports the median per (target, body) and the paired comparisons. With `--mode open` it
 * then runs every target at fixed rates (percentages of bare undici's closed-loop saturation
 * rate measured just before), latency from each request's scheduled send time; `--soak N`
 * adds a soak with RSS sampled. The four goals of issue 17 are judged MET, MISSED or NOT
 * MEASURED (goals.ts). See README.md in this folder for how to read it.
 *
 * Usage: node gateway/bench/proxy.bench.ts [--mode closed|open] [--rounds 3] [--seconds 5]
 *          [--warmup 2] [--only upstream,bare,bare-dispatch,gateway,gateway-2w,…]
 *          [--bodies small,16k] [--load wrk|autocannon] [--rates 50,80]
 *          [--open-connections 256] [--soak SECONDS] [--soak-every 5] [--soak-target NAME]
 *          [--soak-rate-of target|bare]
 *          [--cpu-prof DIR] [--keep] [--json]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { readBenchOptions } from "./bench-options.ts";
import { printJson, printText } from "./bench-output.ts";
import { closedRounds, openRounds, type PhaseContext, warmUp } from "./bench-phases.ts";
import { Children } from "./children.ts";
import { benchArgs } from "./cli-args.ts";
import { profileFiles, summariseProfiles } from "./cpu-profile.ts";
import { GOAL_RATE_PERCENT } from "./goals.ts";
import { type LoadTool, wrkInstalled } from "./load-generator.ts";
import { findNginx, nginxVersion } from "./nginx-conf.ts";
import { saturationRates } from "./open-report.ts";
import { PROC_AVAILABLE } from "./process-tree.ts";
import type { Measurement } from "./report.ts";
import { runSoak } from "./soak.ts";
import { type RunningTarget, startTarget, type TargetName } from "./targets.ts";
import { type Body, CONNECTIONS } from "./workload.ts";

const USAGE = `usage: npm run bench -- [--mode closed|open] [--rounds 3] [--seconds 5] [--warmup 2]
  [--only upstream,bare,bare-dispatch,gateway,gateway-2w,gateway-deployed,nginx] [--bodies small,16k]
  [--load wrk|autocannon] [--rates 50,80] [--open-connections 256] [--soak SECONDS]
  [--soak-every 5] [--soak-target NAME] [--soak-rate-of target|bare] [--cpu-prof DIR]
  [--keep] [--json]
(gateway/bench/README.md)`;
const options = benchArgs("bench", USAGE, readBenchOptions);
const { rounds, seconds, warmup, bodies } = options;
const profileDir = options.profileDir === undefined ? undefined : resolve(options.profileDir);
const children = new Children();
const notes: string[] = [];
const log = (line: string) => process.stderr.write(`${line}\n`);
/** How long an open run waits for the answers still out when its schedule ends. */
const DRAIN_MS = 2_000;
/** Unmeasured seconds at the rate before each open run (the generator's JIT, the target). */
const OPEN_WARM_SECONDS = 1;

function loadTool(): LoadTool {
  if (options.load) return options.load;
  if (wrkInstalled()) return "wrk";
  notes.push(
    "wrk is not installed: load from autocannon (one Node thread; it may saturate before a fast target, and then req/s and latency measure autocannon).",
  );
  return "autocannon";
}

/** The targets to run: nginx only when installed; bare whenever a rate must be derived. */
function chooseTargets(nginx: string | undefined): TargetName[] {
  let targets = [...options.targets];
  if (!nginx && targets.includes("nginx")) {
    notes.push("nginx is not installed: its runs are skipped (apt-get install nginx-light).");
    targets = targets.filter((t) => t !== "nginx");
  }
  const needsRates = options.mode === "open" || options.soakSeconds > 0;
  if (needsRates && !targets.includes("bare")) {
    notes.push("bare undici added: its closed-loop saturation rate sets the open-model rates.");
    targets = ["bare", ...targets];
  }
  if (targets.length === 0) throw new Error("no target left to run");
  return targets;
}

/** The soak's target: --soak-target, else the gateway as deployed, else the gateway. */
function soakTarget(targets: readonly TargetName[]): TargetName {
  const wanted =
    options.soakTarget ?? (targets.includes("gateway-deployed") ? "gateway-deployed" : "gateway");
  if (!targets.includes(wanted)) throw new Error(`--soak needs ${wanted} in --only`);
  return wanted;
}

/** The whole run's time bound, ms: every run with its start-up, the soak, and two minutes. */
function runBoundMs(targets: number): number {
  const runs = targets * bodies.length;
  const closedS = rounds * runs * (seconds + 3) + runs * (warmup + 3);
  // An open run: its warm second, the generator's start, up to 2 s of drain, a margin.
  const openRuns = options.mode === "open" ? rounds * runs * options.ratePercents.length : 0;
  const openS = openRuns * (seconds + OPEN_WARM_SECONDS + 4);
  return 120_000 + (closedS + openS + options.soakSeconds * 1.2) * 1_000;
}

async function startAll(targets: readonly TargetName[], nginx: string | undefined, dir: string) {
  const ctx = { children, dir, profileDir, readyTimeoutMs: 30_000, ...(nginx && { nginx }) };
  log(`starting ${["upstream", ...targets.filter((t) => t !== "upstream")].join(", ")} in ${dir}`);
  const upstream = await startTarget("upstream", ctx);
  const address = (url: string | undefined) => (url ?? "").replace("http://", "");
  const upstreamAddress = [address(upstream.url), address(upstream.secondUrl)] as const;
  const running = new Map<TargetName, RunningTarget>([["upstream", upstream]]);
  for (const name of targets) {
    if (name !== "upstream")
      running.set(name, await startTarget(name, { ...ctx, upstream: upstreamAddress }));
  }
  return running;
}

/**
 * The soak, when asked for: 50 % of the soaked target's own closed-loop saturation rate for
 * the first body (a load it holds: a soak past saturation measures its queues growing, not
 * its memory at a steady state), or of bare's with `--soak-rate-of bare`.
 */
async function soakPhase(phases: PhaseContext, closed: readonly Measurement[]) {
  if (options.soakSeconds === 0) return undefined;
  const body = bodies[0] as Body;
  const name = soakTarget(phases.targets);
  const of = options.soakRateOf === "bare" ? "bare" : name;
  const rates = saturationRates(closed, [body.name], [GOAL_RATE_PERCENT], of);
  const ratePerS = rates[body.name]?.[GOAL_RATE_PERCENT];
  if (ratePerS === undefined) throw new Error(`no saturation rate of ${of} to soak at`);
  const target = phases.running.get(name) as RunningTarget;
  log(`soak: ${target.name} at ${ratePerS} req/s (50 % of ${of}'s) for ${options.soakSeconds} s`);
  const { soakSeconds, soakEverySeconds } = options;
  const plan = { target, body, rateOf: of, ratePercent: GOAL_RATE_PERCENT, ratePerS };
  return runSoak(phases.measure, { ...plan, seconds: soakSeconds, everySeconds: soakEverySeconds });
}

async function main(): Promise<void> {
  if (!PROC_AVAILABLE) notes.push("no /proc (not Linux): CPU time and RSS are not measured (0).");
  const tool = loadTool();
  const nginx = findNginx();
  const targets = chooseTargets(nginx);
  const loadAverage = loadavg().map((n) => Number(n.toFixed(2)));
  notes.push(
    `${availableParallelism()} cores, shared by the target, the upstream (one Node process) and the load generator (${tool === "wrk" ? "wrk, 2 threads" : "autocannon"}; open model: open-load-run.ts, one Node process): req/s is what is left for the target, not a dedicated machine's figure. Load average at the start: ${loadAverage.join(", ")}.`,
  );
  const dir = mkdtempSync(join(tmpdir(), "proxy-bench-"));
  // On every way out (done, error, Ctrl-C, time bound): configs and logs go unless --keep.
  process.on("exit", () => {
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
  });
  const boundMs = runBoundMs(targets.length);
  setTimeout(() => void stop(`timed out after ${boundMs / 1_000} s`, 1), boundMs).unref();
  const running = await startAll(targets, nginx, dir);
  const upstreamPid = running.get("upstream")?.child.pid as number;
  const { openConnections } = options;
  const measure = {
    children,
    upstreamPid,
    tool,
    drainMs: DRAIN_MS,
    openWarmSeconds: OPEN_WARM_SECONDS,
    openConnections,
  };
  const phases: PhaseContext = { measure, running, targets, bodies, rounds, seconds, log };
  await warmUp(phases, warmup);
  const closed = await closedRounds(phases);
  const bodyNames = bodies.map((b) => b.name);
  const rates = saturationRates(closed, bodyNames, options.ratePercents);
  const open = options.mode === "open" ? await openRounds(phases, rates, options.ratePercents) : [];
  const soak = await soakPhase(phases, closed);
  log("stopping");
  await children.stopAll(10_000);

  const served = new Map<TargetName, number>();
  for (const m of closed) served.set(m.target, (served.get(m.target) ?? 0) + m.load.requests);
  for (const m of open) served.set(m.target, (served.get(m.target) ?? 0) + m.load.answered);
  const meta = {
    benchmark: "proxy",
    mode: options.mode,
    node: process.version,
    cores: availableParallelism(),
    loadAverage,
    loadGenerator: tool === "wrk" ? wrkVersion() : "autocannon 9",
    nginx: nginx ? nginxVersion(nginx) : null,
    connections: CONNECTIONS,
    openConnections: options.mode === "open" ? openConnections : null,
    rounds,
    seconds,
    warmupSeconds: warmup,
  };
  const profiles = profileDir ? summariseTargetProfiles(targets) : [];
  const report = { meta, notes, closed, bodyNames, open, rates, soak, profiles, served };
  if (options.json) printJson(report);
  else printText(report);
  if (options.keep) log(`kept ${dir}`);
}

function summariseTargetProfiles(targets: readonly TargetName[]) {
  // The targets targets.ts starts with --cpu-prof: the bare pass-throughs and the gateways.
  const profiled = targets.filter((t) => t.startsWith("bare") || t.startsWith("gateway"));
  return profiled.flatMap((target) => {
    const files = profileFiles([join(profileDir as string, target)]);
    if (files.length === 0) {
      notes.push(`no CPU profile was written for ${target} (did it exit cleanly?)`);
      return [];
    }
    return [{ target, summary: summariseProfiles(files, 25) }];
  });
}

function wrkVersion(): string {
  const probe = spawnSync("wrk", ["--version"], { encoding: "utf8" });
  return /wrk \S+/.exec(`${probe.stdout}${probe.stderr}`)?.[0] ?? "wrk";
}

let stopping = false;
async function stop(reason: string, code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  log(`stopping: ${reason}`);
  await children.stopAll(3_000);
  process.exit(code);
}

process.on("exit", () => children.killAllNow());
process.once("SIGINT", () => void stop("interrupted", 130));
process.once("SIGTERM", () => void stop("terminated", 143));
try {
  await main();
} catch (error) {
  // After Ctrl-C the runs in progress fail as their processes go: not worth a stack trace.
  if (!stopping) log(`proxy benchmark failed: ${(error as Error).stack ?? error}`);
  await stop("error", 1);
}
