/**
 * CPU time and memory of a process and all its descendants, from Linux's /proc: utime + stime
 * of every thread (Node's GC and libuv threads included), the same figure as
 * `process.cpuUsage()` would give from inside, and VmRSS. Summed over the tree, so a gateway
 * primary with its workers, or nginx's master with its worker, counts as one target.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";

export interface TreeSample {
  /** CPU time of the whole tree so far, µs (resolution: one clock tick, usually 10 ms). */
  readonly cpuMicros: number;
  /** Resident memory of the largest process in the tree, bytes. */
  readonly rssMaxBytes: number;
  /** Resident memory of the whole tree, bytes (shared pages counted in each process). */
  readonly rssTotalBytes: number;
  readonly processes: number;
}

export const PROC_AVAILABLE = existsSync("/proc/self/stat");

const CLOCK_TICKS_PER_SECOND = PROC_AVAILABLE ? clockTicks() : 100;

function clockTicks(): number {
  try {
    const ticks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    return Number.isFinite(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
}

interface Stat {
  readonly pid: number;
  readonly ppid: number;
  /** utime + stime, clock ticks. */
  readonly ticks: number;
}

/** Fields of /proc/PID/stat after the command name (which may hold spaces and parentheses). */
function readStat(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 of proc(5): state; ppid is field 4, utime 14, stime 15.
  return { pid, ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
}

function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? 0 : Number(kb) * 1024;
  } catch {
    return 0;
  }
}

/** The root and every descendant still running. */
export function processTree(root: number): Stat[] {
  const stats: Stat[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat) stats.push(stat);
  }
  const children = new Map<number, Stat[]>();
  for (const stat of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat]);
  const tree: Stat[] = [];
  const rootStat = stats.find((s) => s.pid === root);
  const queue = rootStat ? [rootStat] : [];
  for (let next = queue.shift(); next; next = queue.shift()) {
    tree.push(next);
    queue.push(...(children.get(next.pid) ?? []));
  }
  return tree;
}

export function sampleTree(root: number): TreeSample {
  if (!PROC_AVAILABLE) return { cpuMicros: 0, rssMaxBytes: 0, rssTotalBytes: 0, processes: 0 };
  const tree = processTree(root);
  const rss = tree.map((stat) => rssBytes(stat.pid));
  const ticks = tree.reduce((sum, stat) => sum + stat.ticks, 0);
  return {
    cpuMicros: (ticks * 1e6) / CLOCK_TICKS_PER_SECOND,
    rssMaxBytes: Math.max(0, ...rss),
    rssTotalBytes: rss.reduce((a, b) => a + b, 0),
    processes: tree.length,
  };
}
