/**
 * The load generator, always in a process of its own so its CPU is never the target's:
 * wrk (`wrk -t2 -c64 -dNs --latency`) when it is installed, else autocannon in a Node child
 * (autocannon-run.ts). Both hold `connections` keep-alive connections and send the next
 * request as soon as the previous answer is in (closed loop), so req/s is the target's
 * throughput on this machine, and latency includes queueing behind the other connections.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Children } from "./children.ts";

export type LoadTool = "wrk" | "autocannon";

export interface LoadSpec {
  readonly url: string;
  readonly connections: number;
  readonly seconds: number;
  readonly headers: Readonly<Record<string, string>>;
}

export interface LoadResult {
  /** Responses received. */
  readonly requests: number;
  /** Length of the run as the tool measured it, s. */
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Socket errors and timeouts. */
  readonly errors: number;
  /** Responses with a status outside 2xx/3xx. */
  readonly non2xx: number;
}

export function wrkInstalled(): boolean {
  return spawnSync("wrk", ["--version"], { stdio: "ignore" }).error === undefined;
}

export async function runLoad(
  tool: LoadTool,
  spec: LoadSpec,
  children: Children,
): Promise<LoadResult> {
  const [command, args] =
    tool === "wrk"
      ? ["wrk", wrkArgs(spec)]
      : [
          process.execPath,
          [fileURLToPath(new URL("./autocannon-run.ts", import.meta.url)), JSON.stringify(spec)],
        ];
  const stdout = await runToEnd(children, tool, command, args, spec.seconds * 1_000 + 20_000);
  return tool === "wrk" ? parseWrk(stdout) : (JSON.parse(stdout) as LoadResult);
}

/**
 * Runs a load generator to its end and returns its stdout; `onLine` hears each stdout line as
 * it comes (a generator can mark the start of its measured span). Throws on a non-zero exit;
 * stops the process after `timeoutMs`.
 */
export async function runToEnd(
  children: Children,
  what: string,
  command: string,
  args: readonly string[],
  timeoutMs: number,
  onLine: (line: string) => void = () => {},
): Promise<string> {
  const child = children.spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let seen = 0;
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    for (let end = stdout.indexOf("\n", seen); end >= 0; end = stdout.indexOf("\n", seen)) {
      onLine(stdout.slice(seen, end));
      seen = end + 1;
    }
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  // "close", not "exit": the process can exit before its last output has been read.
  const done = new Promise<number | null>((resolve) => child.once("close", resolve));
  const timer = setTimeout(() => void children.stop(child, 1_000), timeoutMs);
  const code = await done;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${what} failed (exit ${code}): ${stderr || stdout}`.trim());
  return stdout;
}

function wrkArgs(spec: LoadSpec): string[] {
  const headers = Object.entries(spec.headers).flatMap(([name, value]) => [
    "-H",
    `${name}: ${value}`,
  ]);
  const threads = String(Math.min(2, spec.connections));
  const connections = String(spec.connections);
  return [
    "-t",
    threads,
    "-c",
    connections,
    "-d",
    `${spec.seconds}s`,
    "--latency",
    ...headers,
    spec.url,
  ];
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** A wrk duration ("812.00us", "1.23ms", "2.00s") in ms. */
function durationMs(value: string, unit: string): number {
  return Number(value) * (UNIT_MS[unit] ?? Number.NaN);
}

/** The figures of wrk's `--latency` report. Throws when the report is not one. */
export function parseWrk(text: string): LoadResult {
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m|h),/.exec(text);
  const p50 = /^\s*50%\s+([\d.]+)(us|ms|s|m|h)\s*$/m.exec(text);
  const p99 = /^\s*99%\s+([\d.]+)(us|ms|s|m|h)\s*$/m.exec(text);
  if (!total || !p50 || !p99) throw new Error(`not a wrk --latency report:\n${text}`);
  const requests = Number(total[1]);
  const seconds = durationMs(total[2] as string, total[3] as string) / 1_000;
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const errors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? 0);
  return {
    requests,
    seconds,
    requestsPerSecond: requests / seconds,
    p50Ms: durationMs(p50[1] as string, p50[2] as string),
    p99Ms: durationMs(p99[1] as string, p99[2] as string),
    errors,
    non2xx,
  };
}
