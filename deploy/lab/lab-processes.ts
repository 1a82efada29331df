/**
 * Processes the lab starts inside its namespaces (`ip netns exec` replaces itself with the
 * command, so the pid is the command's own), each logged to a file and kept by name while it
 * runs, so the lab can find it and `killAllSync` can end them on any exit path. Only processes
 * started here are ever killed, by pid.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export interface LabProcess {
  readonly child: ChildProcess;
  /** Resolves with the exit code (or null after a signal). */
  readonly exited: Promise<number | null>;
  readonly logFile: string;
  /** Sends `signal` and waits for the exit (SIGKILL after `graceMs`). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export interface ProcessTable {
  /** The running processes by the name they were started with. */
  readonly processes: ReadonlyMap<string, LabProcess>;
  /** Starts `command` in `ns` as `name`, which no running process may have. */
  spawnIn(
    ns: string,
    name: string,
    command: readonly string[],
    options?: { env?: NodeJS.ProcessEnv; pipeStdout?: boolean },
  ): LabProcess;
  killAllSync(): void;
}

export function processTable(logDir: string): ProcessTable {
  const live = new Map<string, LabProcess>();
  return {
    processes: live,
    spawnIn(ns, name, command, options = {}) {
      if (live.has(name)) throw new Error(`${name} is already running`);
      const logFile = join(logDir, `${name.replaceAll(/[^a-z0-9-]/gi, "_")}.log`);
      const fd = openSync(logFile, "a");
      const child = spawn("ip", ["netns", "exec", ns, ...command], {
        env: { ...process.env, ...options.env },
        stdio: ["pipe", options.pipeStdout ? "pipe" : fd, fd],
      });
      closeSync(fd);
      let running = true;
      const exited = new Promise<number | null>((resolve) =>
        child.once("exit", (code) => {
          running = false;
          live.delete(name);
          resolve(code);
        }),
      );
      const handle: LabProcess = {
        child,
        exited,
        logFile,
        async stop(signal = "SIGTERM", graceMs = 5_000) {
          if (!running) return;
          child.kill(signal);
          const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
          await exited;
          clearTimeout(timer);
        },
      };
      live.set(name, handle);
      return handle;
    },
    killAllSync() {
      for (const p of live.values()) p.child.kill("SIGKILL");
      live.clear();
    },
  };
}

/** Runs `ip …` (or a command in a namespace) and returns its stdout; throws with its stderr. */
export async function run(command: readonly string[]): Promise<string> {
  const [file = "", ...args] = command;
  try {
    return (await execFileAsync(file, args, { timeout: 10_000 })).stdout;
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`${command.join(" ")}: ${stderr?.trim() || (error as Error).message}`);
  }
}

/** The tail of a process's log, for failure messages. */
export function logTail(file: string, lines = 30): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Deletes namespaces, ending any process still inside them first (all started by this lab). */
export function deleteNamespacesSync(names: readonly string[]): void {
  for (const ns of names) {
    const pids = spawnSync("ip", ["netns", "pids", ns], { encoding: "utf8" }).stdout ?? "";
    for (const pid of pids.split(/\s+/).filter(Boolean)) {
      try {
        process.kill(Number(pid), "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    spawnSync("ip", ["netns", "delete", ns]);
  }
}
