/**
 * Proxy benchmark (not a test): the upstream asked directly, bare undici pass-throughs (on
 * `pool.request` and on `pool.dispatch`), the gateway with every feature on (one worker and
 * two), and nginx when installed, each in a process of its own, loaded by wrk (or
 * autocannon) in another, with 64 keep-alive connections, small and 16 KiB bodies. Runs are interleaved: for each round, for each
 * target (the order rotates by round), for each body. Per run it takes req/s and p50/p99
 * from the load generator, the target's CPU time per response and its RSS from /proc.
 * Reports the median per (target, body) and the paired comparisons against the goals of
 * the issue. See README.md in this folder for how to read it.
 *
 * Usage: node gateway/bench/proxy.bench.ts [--rounds 3] [--seconds 5] [--warmup 2]
 *          [--only upstream,bare,bare-dispatch,gateway,gateway-2w,nginx] [--bodies small,16k]
 *          [--load wrk|autocannon] [--cpu-prof DIR] [--keep] [--json]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Children } from "./children.ts";
import {
  formatProfile,
  formatProfileDiff,
  profileFiles,
  summariseProfiles,
} from "./cpu-profile.ts";
import { type LoadTool, runLoad, wrkInstalled } from "./load-generator.ts";
import { findNginx, nginxVersion } from "./nginx-conf.ts";
import { PROC_AVAILABLE, sampleTree } from "./process-tree.ts";
import { compare, formatComparisons, formatTable, type Measurement, summarise } from "./report.ts";
import {
  type RunningTarget,
  startTarget,
  TARGET_LABELS,
  TARGET_NAMES,
  type TargetName,
} from "./targets.ts";
import { BODIES, type Body, CONNECTIONS, REQUEST_HEADERS } from "./workload.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "5" },
    warmup: { type: "string", default: "2" },
    only: { type: "string" },
    bodies: { type: "string" },
    load: { type: "string" },
    "cpu-prof": { type: "string" },
    keep: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});

const rounds = Math.max(1, Math.floor(Number(values.rounds)));
const seconds = Math.max(1, Math.floor(Number(values.seconds)));
const warmup = Math.max(0, Math.floor(Number(values.warmup)));
const profileDir = values["cpu-prof"] === undefined ? undefined : resolve(values["cpu-prof"]);
const children = new Children();
const notes: string[] = [];
const log = (line: string) => process.stderr.write(`${line}\n`);

function choose<T extends string>(list: string | undefined, all: readonly T[], what: string): T[] {
  if (list === undefined) return [...all];
  const wanted = list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = wanted.filter((w) => !all.includes(w as T));
  if (unknown.length > 0)
    throw new Error(`unknown ${what}: ${unknown.join(", ")} (valid: ${all.join(", ")})`);
  return all.filter((name) => wanted.includes(name));
}

function loadTool(): LoadTool {
  if (values.load === "wrk" || values.load === "autocannon") return values.load;
  if (values.load !== undefined)
    throw new Error(`--load takes wrk or autocannon, not ${values.load}`);
  if (wrkInstalled()) return "wrk";
  notes.push(
    "wrk is not installed: load from autocannon (one Node thread; it may saturate before a fast target, and then req/s and latency measure autocannon).",
  );
  return "autocannon";
}

async function main(): Promise<void> {
  if (!PROC_AVAILABLE) notes.push("no /proc (not Linux): CPU time and RSS are not measured (0).");
  const tool = loadTool();
  const nginx = findNginx();
  let targets = choose(values.only, TARGET_NAMES, "target");
  if (!nginx && targets.includes("nginx")) {
    notes.push("nginx is not installed: its runs are skipped (apt-get install nginx-light).");
    targets = targets.filter((t) => t !== "nginx");
  }
  if (targets.length === 0) throw new Error("no target left to run");
  const bodies = choose(
    values.bodies,
    BODIES.map((b) => b.name),
    "body",
  ).map((name) => BODIES.find((b) => b.name === name) as Body);
  const cores = availableParallelism();
  notes.push(
    `${cores} cores, shared by the target, the upstream (one Node process) and the load generator (${tool === "wrk" ? "wrk, 2 threads" : "autocannon"}): req/s is what is left for the target, not a dedicated machine's figure. The 2-worker gateway especially competes for the same cores, so its scaling here is a lower bound.`,
  );
  const dir = mkdtempSync(join(tmpdir(), "proxy-bench-"));
  // On every way out (done, error, Ctrl-C, time bound): configs and logs go unless --keep.
  process.on("exit", () => {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  });
  const runs = targets.length * bodies.length * (rounds * (seconds + 3) + warmup + 3);
  const boundMs = 120_000 + runs * 1_000;
  const bound = setTimeout(() => void stop(`timed out after ${boundMs / 1_000} s`, 1), boundMs);
  bound.unref();
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
  const served = new Map<TargetName, number>(targets.map((t) => [t, 0]));
  const measure = async (round: number, target: RunningTarget, body: Body, secs: number) => {
    target.beforeRun();
    const pid = target.child.pid as number;
    const before = sampleTree(pid);
    const upBefore = sampleTree(upstream.child.pid as number);
    const spec = {
      url: `${target.url}${body.path}`,
      connections: CONNECTIONS,
      seconds: secs,
      headers: REQUEST_HEADERS,
    };
    const load = await runLoad(tool, spec, children);
    const after = sampleTree(pid);
    const upAfter = sampleTree(upstream.child.pid as number);
    served.set(target.name, (served.get(target.name) ?? 0) + load.requests);
    const perRequest = (a: number, b: number) =>
      load.requests > 0 ? (b - a) / load.requests : Number.NaN;
    return {
      round,
      target: target.name,
      body: body.name,
      load,
      cpuMicrosPerRequest: perRequest(before.cpuMicros, after.cpuMicros),
      upstreamCpuMicrosPerRequest: perRequest(upBefore.cpuMicros, upAfter.cpuMicros),
      rssMaxBytes: after.rssMaxBytes,
      rssTotalBytes: after.rssTotalBytes,
      processes: after.processes,
    } satisfies Measurement;
  };

  if (warmup > 0) {
    log(`warm-up: ${warmup} s per target and body`);
    for (const name of targets)
      for (const body of bodies) await measure(0, running.get(name) as RunningTarget, body, warmup);
  }
  const measurements: Measurement[] = [];
  for (let round = 1; round <= rounds; round++) {
    const shift = (round - 1) % targets.length;
    const order = [...targets.slice(shift), ...targets.slice(0, shift)];
    for (const name of order) {
      for (const body of bodies) {
        const m = await measure(round, running.get(name) as RunningTarget, body, seconds);
        measurements.push(m);
        log(
          `round ${round}/${rounds} ${TARGET_LABELS[name].padEnd(20)} ${body.name.padEnd(5)} ${Math.round(m.load.requestsPerSecond).toLocaleString("en").padStart(8)} req/s  p99 ${m.load.p99Ms.toFixed(2)} ms  ${m.cpuMicrosPerRequest.toFixed(1)} µs/req`,
        );
      }
    }
  }
  log("stopping");
  await children.stopAll(10_000);

  const summaries = summarise(measurements);
  const bodyNames = bodies.map((b) => b.name);
  const comparisons = compare(measurements, bodyNames, summaries);
  const profiles = profileDir ? summariseTargetProfiles(targets) : [];
  const meta = {
    benchmark: "proxy",
    node: process.version,
    cores,
    loadGenerator: tool === "wrk" ? wrkVersion() : "autocannon 9",
    nginx: nginx ? nginxVersion(nginx) : null,
    connections: CONNECTIONS,
    rounds,
    seconds,
    warmupSeconds: warmup,
  };
  if (values.json) {
    const profileJson = profiles.map(({ target, summary }) => ({
      target,
      requests: served.get(target),
      ...summary,
    }));
    console.log(
      JSON.stringify(
        { ...meta, notes, summaries, comparisons, measurements, profiles: profileJson },
        null,
        2,
      ),
    );
  } else {
    console.log(
      `proxy benchmark: ${CONNECTIONS} keep-alive connections, ${meta.loadGenerator}, ${seconds} s per run, median of ${rounds} interleaved round(s); node ${meta.node}${meta.nginx ? `, nginx ${meta.nginx}` : ""}`,
    );
    console.log(
      `CPU µs/req: the target's own CPU time (all its processes and threads) ÷ responses; upstream µs: the upstream's, alike for all.\n`,
    );
    console.log(formatTable(summaries, bodyNames));
    console.log(`\n${formatComparisons(comparisons)}\n`);
    for (const note of notes) console.log(`note: ${note}`);
    for (const { target, summary } of profiles) {
      console.log(
        `\nCPU profile of ${TARGET_LABELS[target]} (profiling adds overhead; read shares, not absolutes):`,
      );
      console.log(formatProfile(summary, served.get(target)));
    }
    const side = (target: TargetName) => {
      const profile = profiles.find((p) => p.target === target);
      return profile && { summary: profile.summary, requests: served.get(target) ?? 1 };
    };
    const gateway = side("gateway");
    for (const baseline of ["bare", "bare-dispatch"] as const) {
      const bare = side(baseline);
      if (!gateway || !bare) continue;
      console.log(
        `\nCPU profiles compared, gateway against ${TARGET_LABELS[baseline]}, per request served (warm-up included):`,
      );
      console.log(
        formatProfileDiff({ label: "gateway", ...gateway }, { label: baseline, ...bare }),
      );
    }
  }
  if (values.keep) log(`kept ${dir}`);
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
