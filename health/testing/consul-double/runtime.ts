/**
 * What the HTTP side of the double shares: the datacenters, the agent, the faults tests
 * switch on, the request log and the blocked queries. One `Runtime` per double; nothing
 * here is module-level.
 */
import type { ServerResponse } from "node:http";
import type { AclState, Authorizer } from "./acl.ts";
import type { Agent } from "./agent.ts";
import type { Answer } from "./queries.ts";
import type { DatacenterState, Write } from "./state.ts";

export interface Faults {
  /** Answers left to fail with `failStatus`, counted down per request. */
  failNext: number;
  failStatus: number;
  /** Every request fails with `failStatus` while set. */
  failAll: boolean;
  /** Every answer is held this long before it is written (0 = none). */
  slowMs: number;
  /** No known leader: `X-Consul-KnownLeader: false`; non-stale reads and writes answer 500. */
  leaderless: boolean;
  /** Value of `X-Consul-LastContact`, milliseconds since the server last heard the leader. */
  lastContactMs: number;
}

export interface RequestRecord {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly body: string;
  readonly atMs: number;
}

/** A blocking query waiting for its endpoint's index to pass `minIndex`. */
export interface Waiter {
  readonly dc: string;
  readonly minIndex: number;
  evaluate(): Answer;
  finish(answer: Answer): void;
  /** Answers with an error instead (the datacenter it reads went away). */
  fail(reply: Reply): void;
}

export interface Runtime {
  /** In the order given at start; the first is `url`'s datacenter. */
  readonly dcs: ReadonlyMap<string, DatacenterState>;
  /**
   * The datacenter of the agent a request reached (its listener's): the default for `?dc`.
   * On the shared runtime, the first datacenter.
   */
  readonly defaultDc: DatacenterState;
  /** The local agent of the listener a request reached (on the shared runtime, the first). */
  readonly agent: Agent;
  /** Every datacenter's local agent, by datacenter name. */
  readonly agents: ReadonlyMap<string, Agent>;
  /** What the request's token may do (everything while ACLs are off). */
  readonly auth: Authorizer;
  readonly acl: AclState;
  /** Datacenters that went away: their listener refuses connections, `?dc=` to them fails. */
  readonly down: Set<string>;
  /** A KV write waits this long before it applies and answers (a Raft commit), ms. */
  commitDelayMs: number;
  readonly faults: Faults;
  readonly log: RequestRecord[];
  readonly waiters: Set<Waiter>;
  /** Timers holding slow answers, cleared on close. */
  readonly held: Set<NodeJS.Timeout>;
  readonly random: () => number;
  readonly now: () => number;
}

export interface Reply {
  readonly status: number;
  readonly body: string | Uint8Array;
  readonly contentType: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export const textReply = (status: number, body: string): Reply => ({
  status,
  body,
  contentType: "text/plain; charset=utf-8",
});

export const jsonReply = (
  status: number,
  value: unknown,
  headers?: Record<string, string>,
): Reply => ({
  status,
  body: JSON.stringify(value),
  contentType: "application/json",
  ...(headers === undefined ? {} : { headers }),
});

/** Writes `reply`, `slowMs` late when the test asked for slow answers. */
export function send(rt: Runtime, res: ServerResponse, reply: Reply): void {
  const write = (): void => {
    if (res.destroyed || res.headersSent) return;
    res.writeHead(reply.status, { "Content-Type": reply.contentType, ...reply.headers });
    res.end(reply.body);
  };
  if (rt.faults.slowMs <= 0) {
    write();
    return;
  }
  const timer = setTimeout(() => {
    rt.held.delete(timer);
    write();
  }, rt.faults.slowMs);
  rt.held.add(timer);
}

/** Wakes the blocked queries of `write`'s datacenter when the write changed something. */
export function commit(rt: Runtime, write: Write): void {
  if (write.index !== undefined) wake(rt, write.dc.name, false);
}

/**
 * Re-evaluates every blocked query in `dc`: those whose index passed their `index`
 * parameter answer now, the rest keep waiting. `abandon` answers all of them at once, as
 * Consul does when a snapshot restore abandons the state store (blockingquery.Query).
 */
export function wake(rt: Runtime, dc: string, abandon: boolean): void {
  for (const waiter of [...rt.waiters]) {
    if (waiter.dc !== dc) continue;
    const answer = waiter.evaluate();
    if (abandon || answer.index > waiter.minIndex) waiter.finish(answer);
  }
}
