/**
 * Every process the benchmark starts, so that every one is stopped: on success, on an error,
 * on Ctrl-C, and (SIGKILL, synchronously) when the benchmark's own process exits. Each child
 * leads a process group of its own, so its own children (gateway workers, nginx's worker)
 * go with it.
 */
import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";

export class Children {
  readonly #running = new Set<ChildProcess>();

  spawn(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn(command, args, { ...options, detached: true });
    this.#running.add(child);
    child.once("exit", () => this.#running.delete(child));
    child.once("error", () => this.#running.delete(child));
    return child;
  }

  /**
   * SIGTERM to the child alone (a gateway primary or nginx master forwards it to its workers
   * itself; a second SIGTERM straight to a worker would kill it before it shuts down), then
   * after `graceMs` SIGKILL to the whole group, whatever is left of it.
   */
  async stop(child: ChildProcess, graceMs = 5_000): Promise<void> {
    if (child.pid === undefined) return;
    signal(child.pid, "SIGTERM");
    await exited(child, graceMs);
    signal(-child.pid, "SIGKILL");
    await exited(child, 1_000);
    this.#running.delete(child);
  }

  async stopAll(graceMs = 5_000): Promise<void> {
    await Promise.all([...this.#running].map((child) => this.stop(child, graceMs)));
  }

  /** Synchronous last resort, for `process.on("exit")`. */
  killAllNow(): void {
    for (const child of this.#running) if (child.pid !== undefined) signal(-child.pid, "SIGKILL");
    this.#running.clear();
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/** Resolves when the child has exited, or after `timeoutMs`. */
function exited(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** The first line the child writes on stdout (our targets print their port there). */
export function firstLine(child: ChildProcess, timeoutMs: number, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    let stderr = "";
    const timer = setTimeout(() => fail(`no answer within ${timeoutMs} ms`), timeoutMs);
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new Error(`${what}: ${why}${stderr ? `\n${stderr.slice(-2_000)}` : ""}`));
    };
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      const end = text.indexOf("\n");
      if (end < 0) return;
      clearTimeout(timer);
      resolve(text.slice(0, end).trim());
    });
    child.once("exit", (code, sig) => fail(`exited (${sig ?? code}) before it was ready`));
    child.once("error", (error) => fail(error.message));
  });
}
