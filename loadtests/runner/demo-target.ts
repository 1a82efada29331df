/**
 * The default target of the runner and the drill: the demo world (`npm start`) started as a
 * child process on free ports, talked to over HTTP only (loadtests/ imports no project code).
 * Its addresses and admin token are read from the banner it prints (`front  URL`,
 * `admin  URL`, `GATEWAY_ADMIN_TOKEN=…`).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface Target {
  readonly baseUrl: string;
  readonly adminUrl: string;
  /** The bearer token admin changes need, when the target printed one. */
  readonly adminToken?: string;
  close(): Promise<void>;
}

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FRONT = /^\s*front\s+(http:\/\/\S+)/m;
const ADMIN = /^\s*admin\s+(http:\/\/\S+)/m;
const TOKEN = /GATEWAY_ADMIN_TOKEN=(\S+)/;

export class DemoStartError extends Error {
  readonly code = "demo_start_failed";
}

/**
 * Starts `node gateway/demo/main.ts --port 0 --admin-port 0` (with `--fleet`: every site in its
 * own Consul datacenter, ops overrides through the place of record); resolves once both
 * addresses are printed.
 */
export function startDemoTarget(
  options: { fleet?: boolean; timeoutMs?: number } = {},
): Promise<Target> {
  const { fleet = false, timeoutMs = 20_000 } = options;
  const args = [
    "gateway/demo/main.ts",
    "--port",
    "0",
    "--admin-port",
    "0",
    ...(fleet ? ["--fleet"] : []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      stopChild(child).finally(() => reject(new DemoStartError(`demo world: ${why}\n${err}`)));
    };
    const timer = setTimeout(() => fail(`no addresses printed within ${timeoutMs} ms`), timeoutMs);
    child.once("exit", (code) => fail(`exited with ${code} before it was up`));
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const front = FRONT.exec(out)?.[1];
      const admin = ADMIN.exec(out)?.[1];
      const adminToken = TOKEN.exec(out)?.[1];
      if (!front || !admin || !adminToken) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      child.stdout?.removeAllListeners("data");
      child.stdout?.resume();
      resolve({ baseUrl: front, adminUrl: admin, adminToken, close: () => stopChild(child) });
    });
  });
}

/** SIGTERM (the demo closes everything and exits), then SIGKILL after 10 s. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
