/**
 * The processes under test, each a child of its own (so its CPU time and memory are its own):
 *   upstream    the upstream itself, asked directly (the ceiling: no proxy at all)
 *   bare        bare-undici.ts, the baseline pass-through (`pool.request`)
 *   bare-dispatch  bare-dispatch.ts, the same on `pool.dispatch` with a handler writing to the client
 *   gateway     `gateway serve --workers 1`, every feature on (gateway-world.ts)
 *   gateway-2w  the same with `--workers 2` (SO_REUSEPORT)
 *   gateway-deployed  the 1-worker gateway with the Node settings deploy/systemd/gateway.service
 *               sets (the unit's NODE_OPTIONS, a compile cache): what memory costs as deployed
 *   nginx       nginx-conf.ts, when nginx is installed
 * Each is ready once it has answered a request end to end.
 */
import { type ChildProcess, spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Children, firstLine } from "./children.ts";
import { writeGatewayWorld } from "./gateway-world.ts";
import { nginxConf } from "./nginx-conf.ts";
import { BODIES, REQUEST_HEADERS } from "./workload.ts";

export const TARGET_NAMES = [
  "upstream",
  "bare",
  "bare-dispatch",
  "gateway",
  "gateway-2w",
  "gateway-deployed",
  "nginx",
] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

export const TARGET_LABELS: Record<TargetName, string> = {
  upstream: "upstream direct",
  bare: "bare undici",
  "bare-dispatch": "bare undici dispatch",
  gateway: "gateway, 1 worker",
  "gateway-2w": "gateway, 2 workers",
  "gateway-deployed": "gateway, as deployed",
  nginx: "nginx, 1 worker",
};

export interface RunningTarget {
  readonly name: TargetName;
  /** `http://127.0.0.1:PORT`; body paths are appended. */
  readonly url: string;
  /** The upstream's second listener (the hub's backend). */
  readonly secondUrl?: string;
  readonly child: ChildProcess;
  /** Called before each measured run (empties the access logs, so the disk does not fill). */
  readonly beforeRun: () => void;
}

export interface TargetContext {
  readonly children: Children;
  /** A temp folder of the benchmark's own. */
  readonly dir: string;
  /** host:port of the upstream, twice (two listeners); absent when starting the upstream. */
  readonly upstream?: readonly [string, string];
  /** With --cpu-prof: Node targets write V8 CPU profiles to DIR/<target>/. */
  readonly profileDir?: string;
  readonly nginx?: string;
  readonly readyTimeoutMs: number;
}

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));

/**
 * The V8 settings the systemd unit gives the gateway, read from the unit itself (so the bench
 * measures what is deployed): young generation semi-spaces of 8 MB instead of V8's up-to-32
 * MB on a large machine, about 100 MB less resident memory for a few percent of CPU. No
 * old-space cap: running out of heap under a burst of slow requests would crash the site's
 * gateway.
 */
export function deployedNodeOptions(unitFile = here("../../deploy/systemd/gateway.service")) {
  const line = /^Environment=NODE_OPTIONS=(.*)$/m.exec(readFileSync(unitFile, "utf8"));
  if (!line?.[1]) throw new Error(`${unitFile}: no Environment=NODE_OPTIONS= line`);
  return line[1];
}
const GATEWAY_CLI = here("../cli.ts");
const nothing = () => {};

export async function startTarget(name: TargetName, ctx: TargetContext): Promise<RunningTarget> {
  if (name === "upstream") return startNodeScript(name, here("./upstream.ts"), [], ctx);
  const upstream = ctx.upstream;
  if (!upstream) throw new Error(`${name} needs the upstream's address`);
  if (name === "bare") return startNodeScript(name, here("./bare-undici.ts"), [upstream[0]], ctx);
  if (name === "bare-dispatch")
    return startNodeScript(name, here("./bare-dispatch.ts"), [upstream[0]], ctx);
  if (name === "nginx") return startNginx(upstream[0], ctx);
  return startGateway(name, name === "gateway-2w" ? 2 : 1, upstream, ctx);
}

function nodeEnv(name: TargetName, ctx: TargetContext): NodeJS.ProcessEnv {
  const env = name === "gateway-deployed" ? deployedEnv(ctx) : process.env;
  if (!ctx.profileDir) return env;
  const dir = join(ctx.profileDir, name);
  mkdirSync(dir, { recursive: true });
  const options = `${env.NODE_OPTIONS ?? ""} --cpu-prof --cpu-prof-dir=${dir}`;
  return { ...env, NODE_OPTIONS: options.trim() };
}

/**
 * As the unit runs it: the unit's NODE_OPTIONS and a compile cache, filled beforehand as a
 * restarted gateway finds it (a usage error loads every module the CLI has).
 */
function deployedEnv(ctx: TargetContext): NodeJS.ProcessEnv {
  const options = `${process.env.NODE_OPTIONS ?? ""} ${deployedNodeOptions()}`.trim();
  const cache = join(ctx.dir, "compile-cache");
  const env = { ...process.env, NODE_OPTIONS: options, NODE_COMPILE_CACHE: cache };
  if (!existsSync(cache))
    spawnSync(process.execPath, [GATEWAY_CLI, "serve"], { env, stdio: "ignore" });
  return env;
}

async function startNodeScript(
  name: TargetName,
  script: string,
  args: readonly string[],
  ctx: TargetContext,
): Promise<RunningTarget> {
  const profiled = name.startsWith("bare") ? nodeEnv(name, ctx) : process.env;
  const child = ctx.children.spawn(process.execPath, [script, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: profiled,
  });
  const [port, second] = (await firstLine(child, ctx.readyTimeoutMs, TARGET_LABELS[name])).split(
    " ",
  );
  const url = `http://127.0.0.1:${port}`;
  await waitUntilAnswering(url, child, ctx.readyTimeoutMs, () => "");
  const secondUrl = second === undefined ? {} : { secondUrl: `http://127.0.0.1:${second}` };
  return { name, url, ...secondUrl, child, beforeRun: nothing };
}

async function startGateway(
  name: TargetName,
  workers: number,
  upstream: readonly [string, string],
  ctx: TargetContext,
): Promise<RunningTarget> {
  const dir = join(ctx.dir, name);
  mkdirSync(dir, { recursive: true });
  const port = await reservePort();
  const bootFile = writeGatewayWorld(dir, { upstream: upstream[0], hub: upstream[1], port });
  const logFile = join(dir, "access.log");
  const errFile = join(dir, "stderr.log");
  // O_APPEND, so beforeRun can truncate the log under the gateway's feet.
  const stdout = openSync(logFile, "a");
  const stderr = openSync(errFile, "a");
  const child = ctx.children.spawn(
    process.execPath,
    [GATEWAY_CLI, "serve", "--config", bootFile, "--workers", String(workers)],
    { stdio: ["ignore", stdout, stderr], env: nodeEnv(name, ctx) },
  );
  closeSync(stdout);
  closeSync(stderr);
  const tail = () =>
    `${readFileSync(errFile, "utf8").slice(-2_000)}${readFileSync(logFile, "utf8").slice(-2_000)}`;
  // The cluster primary logs "gateway listening" once, when every worker listens.
  const listening = () => readFileSync(logFile, "utf8").includes('"msg":"gateway listening"');
  await until(listening, child, ctx.readyTimeoutMs, `${name} listening`, tail);
  const url = `http://127.0.0.1:${port}`;
  await waitUntilAnswering(url, child, ctx.readyTimeoutMs, tail);
  return { name, url, child, beforeRun: () => truncateSync(logFile, 0) };
}

async function startNginx(upstream: string, ctx: TargetContext): Promise<RunningTarget> {
  if (!ctx.nginx) throw new Error("nginx is not installed");
  const dir = join(ctx.dir, "nginx");
  mkdirSync(dir, { recursive: true });
  const port = await reservePort();
  const confFile = join(dir, "nginx.conf");
  writeFileSync(confFile, nginxConf(dir, upstream, port));
  const errFile = join(dir, "nginx-error.log");
  const stderr = openSync(join(dir, "stderr.log"), "a");
  const child = ctx.children.spawn(ctx.nginx, ["-p", dir, "-c", confFile, "-e", errFile], {
    stdio: ["ignore", "ignore", stderr],
  });
  closeSync(stderr);
  const tail = () => {
    try {
      return readFileSync(errFile, "utf8").slice(-2_000);
    } catch {
      return "";
    }
  };
  const url = `http://127.0.0.1:${port}`;
  await waitUntilAnswering(url, child, ctx.readyTimeoutMs, tail);
  return {
    name: "nginx",
    url,
    child,
    beforeRun: () => truncateSync(join(dir, "nginx-access.log"), 0),
  };
}

/** A port free now (listen on 0, close). Needed where workers must share one known port. */
export function reservePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Polls `check` until true; fails at once when the child exits (or is killed), or past the bound. */
export async function until(
  check: () => boolean | Promise<boolean>,
  child: ChildProcess,
  timeoutMs: number,
  what: string,
  tail: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(
        `${what}: the process exited (${child.signalCode ?? child.exitCode})\n${tail()}`,
      );
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms\n${tail()}`);
}

/** Every body answered 200 through the target. */
function waitUntilAnswering(
  url: string,
  child: ChildProcess,
  timeoutMs: number,
  tail: () => string,
): Promise<void> {
  const answers = async () => {
    for (const body of BODIES) {
      try {
        const response = await fetch(`${url}${body.path}`, { headers: REQUEST_HEADERS });
        const bytes = (await response.arrayBuffer()).byteLength;
        if (response.status !== 200 || bytes !== body.bytes) return false;
      } catch {
        return false;
      }
    }
    return true;
  };
  return until(answers, child, timeoutMs, `${url} answering`, tail);
}
