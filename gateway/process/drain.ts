/**
 * The graceful stop of one data-plane server (SIGTERM's path, HAProxy's grace): new
 * connections are still served for `delayMs` (while /readyz says 503 and checkers and the
 * anycast announcer take the site out), then the listener closes and idle connections end;
 * requests in flight get until the grace period's end, then every connection is cut.
 * `cutShort` (a fast stop) ends the delay and the grace at once. A second `run` returns the
 * first one's promise: repeating the signal changes nothing.
 */
import type { Duplex } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";

/** How often the drain looks at the requests in flight, ms. */
const POLL_MS = 20;

/** What the drain does to a listener (node:http's Server has these; the TLS listener too). */
export interface Closable {
  /** Stops accepting; `done` once every connection is gone. */
  close(done: () => void): void;
  closeIdleConnections(): void;
  closeAllConnections(): void;
}

export interface ServerDrain {
  readonly draining: boolean;
  /** An upgraded socket (it leaves the server's books): cut when the grace runs out. */
  track(socket: Duplex): void;
  /** Resolves with the number of requests still in flight when the connections were cut. */
  run(servers: readonly Closable[], graceMs: number): Promise<number>;
  cutShort(): void;
}

export function serverDrain(delayMs: number, inFlight: () => number): ServerDrain {
  const upgraded = new Set<Duplex>();
  const cut = new AbortController();
  let running: Promise<number> | undefined;
  const wait = (ms: number) => sleep(ms, undefined, { signal: cut.signal }).catch(() => undefined);
  const run = async (servers: readonly Closable[], graceMs: number): Promise<number> => {
    if (delayMs > 0 && !cut.signal.aborted) await wait(delayMs);
    const closed = Promise.all(
      servers.map((server) => new Promise<void>((resolve) => server.close(resolve))),
    );
    for (const server of servers) server.closeIdleConnections();
    const deadline = Date.now() + graceMs;
    while (inFlight() > 0 && Date.now() < deadline && !cut.signal.aborted) await wait(POLL_MS);
    const left = inFlight();
    for (const server of servers) server.closeAllConnections();
    for (const socket of upgraded) socket.destroy();
    await closed;
    return left;
  };
  return {
    get draining() {
      return running !== undefined;
    },
    track: (socket) => {
      upgraded.add(socket);
      socket.once("close", () => upgraded.delete(socket));
    },
    run: (servers, graceMs) => {
      running ??= run(servers, graceMs);
      return running;
    },
    cutShort: () => cut.abort(),
  };
}
