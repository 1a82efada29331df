/**
 * The router's forwarding entry for the VIP, watched: `ip -n ROUTER monitor route` streams
 * every change the moment BIRD writes it to the kernel, so each change is timed on arrival
 * (epoch ms). The next hop names the site the router sends the VIP to; null is no route.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

export interface RouteChange {
  readonly at: number;
  readonly nextHop: string | null;
}

/** One `ip monitor route` line about `vip`, as the next hop it leaves (undefined: not about it). */
export function routeLine(
  line: string,
  vip: string,
  current: string | null,
): string | null | undefined {
  const match = /^(Deleted )?(\S+) via (\S+)/.exec(line.trim());
  if (!match || (match[2] !== vip && match[2] !== `${vip}/32`)) return undefined;
  if (match[1]) return match[3] === current ? null : current;
  return match[3] ?? null;
}

export interface RouteWatch {
  readonly changes: RouteChange[];
  current(): string | null;
  close(): void;
}

export function watchRoute(routerNs: string, vip: string, initial: string | null): RouteWatch {
  const child = spawn("ip", ["-n", routerNs, "monitor", "route"], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  const changes: RouteChange[] = [];
  let current = initial;
  createInterface({ input: child.stdout }).on("line", (line) => {
    const next = routeLine(line, vip, current);
    if (next === undefined || next === current) return;
    current = next;
    changes.push({ at: Date.now(), nextHop: next });
  });
  return {
    changes,
    current: () => current,
    close: () => child.kill("SIGTERM"),
  };
}
