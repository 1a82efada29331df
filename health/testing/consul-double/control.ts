/**
 * The control API tests drive the double with: plain methods, not HTTP. Each write to a
 * datacenter wakes the blocking queries it concerns and returns the datacenter's index.
 */
import type { AclRules } from "./acl.ts";
import { type AgentService, findCheck, syncAgent, updateCheck } from "./agent.ts";
import { kvDelete, kvPut } from "./kv-writes.ts";
import { commit, type RequestRecord, type Runtime, textReply, wake } from "./runtime.ts";
import * as state from "./state.ts";
import type { CheckInput, CheckStatus, Coordinate, NodeInput, ServiceInput } from "./types.ts";

export interface ConsulControl {
  /** Puts (or replaces) a service instance on a node, with its checks. Returns the write's index. */
  setService(
    dc: string,
    node: NodeInput,
    service: ServiceInput,
    checks?: readonly CheckInput[],
  ): number;
  removeService(dc: string, node: string, serviceId: string): number;
  /** Sets every check with this ID (or only `node`'s); throws when none matches. */
  setCheckStatus(dc: string, checkId: string, status: CheckStatus, node?: string): number;
  setNodeMaintenance(dc: string, node: string, on: boolean, reason?: string): number;
  setServiceMaintenance(
    dc: string,
    node: string,
    serviceId: string,
    on: boolean,
    reason?: string,
  ): number;
  putKV(dc: string, key: string, value: string | Uint8Array, flags?: number): number;
  deleteKV(dc: string, key: string): number;
  setCoordinates(
    dc: string,
    node: string,
    vec: readonly number[],
    extra?: Partial<Omit<Coordinate, "Vec">>,
  ): void;
  /** A write that changes nothing but the index: a spurious wake-up for every watcher in `dc`. */
  wakeWithoutChange(dc: string): number;
  /** Makes `dc`'s index go back to `n` (a snapshot restore); blocked queries answer at once. */
  resetIndex(dc: string, n: number): void;
  /** Drops the tombstones, so a list whose newest key was deleted can report a lower index. */
  reapTombstones(dc: string): void;
  /** The next `n` requests answer `status` with no other effect. */
  failNext(n: number, status?: number): void;
  failAll(on: boolean, status?: number): void;
  slow(ms: number): void;
  leaderless(on: boolean): void;
  lastContact(ms: number): void;
  /** The datacenter's current Raft-like index. */
  index(dc: string): number;
  /** Blocking queries currently held; poll this to know a watcher is parked. */
  blockedQueries(): number;
  requests(): readonly RequestRecord[];
  /** A datacenter's local agent's services (default: the first's), with their checks. */
  registered(dc?: string): readonly AgentService[];
  /**
   * The datacenter goes away (`true`: its listener closes, so its clients meet a refused
   * connection; reads forwarded to it from elsewhere, and those blocked on it, answer 500
   * `No path to datacenter`) or comes back on the same port (`false`), its state kept.
   */
  datacenterDown(dc: string, down: boolean): Promise<void>;
  /** ACLs on or off (default off), with the policy for what no rule matches (default deny). */
  acl(enabled: boolean, defaultPolicy?: "allow" | "deny"): void;
  /** A token's rules (`anonymous` is the token of requests that carry none). */
  setToken(secret: string, rules: AclRules): void;
  deleteToken(secret: string): void;
  /** How long a KV write over HTTP takes to commit, ms. */
  commitDelay(ms: number): void;
}

/** What the double does to a datacenter's listener when the datacenter goes or comes back. */
export interface ListenerControl {
  stop(dc: string): Promise<void>;
  restart(dc: string): Promise<void>;
}

export function createControl(rt: Runtime, listeners: ListenerControl): ConsulControl {
  const { dcs } = rt;
  const dcOf = (name: string): state.DatacenterState => {
    const dc = dcs.get(name);
    if (dc !== undefined) return dc;
    throw new Error(`unknown datacenter ${name}; known: ${[...dcs.keys()].join(", ")}`);
  };
  /** Runs a control write, wakes watchers, returns the datacenter's index after it. */
  const write = (name: string, change: (w: state.Write) => void): number => {
    const w = state.beginWrite(dcOf(name));
    change(w);
    commit(rt, w);
    return w.dc.index;
  };

  return {
    setService: (dc, node, service, checks = []) =>
      write(dc, (w) => {
        state.upsertNode(w, node);
        const stored = state.upsertService(w, node.Node, service);
        const keep = new Set(checks.map((c) => c.CheckID));
        for (const c of [...w.dc.checks.values()]) {
          const own = c.Node === node.Node && c.ServiceID === stored.ID;
          // checks not given again go; maintenance checks (`_...`) stay until turned off
          if (own && !keep.has(c.CheckID) && !c.CheckID.startsWith("_")) {
            state.removeCheck(w, node.Node, c.CheckID);
          }
        }
        for (const c of checks) {
          state.upsertCheck(w, node.Node, { ...c, ServiceID: c.ServiceID ?? stored.ID });
        }
      }),
    removeService: (dc, node, serviceId) =>
      write(dc, (w) => state.removeService(w, node, serviceId)),
    setCheckStatus(dc, checkId, status, node) {
      const agent = rt.agents.get(dcOf(dc).name);
      const local = agent && findCheck(agent, checkId);
      const onAgent = node === undefined || node === agent?.node.Node;
      if (agent && local !== undefined && onAgent) {
        updateCheck(agent, local, status, local.Output); // the agent "ran" its check
        return dcOf(dc).index;
      }
      return write(dc, (w) => {
        if (state.setCheckStatus(w, checkId, status, undefined, node) === 0) {
          throw new Error(`no check ${checkId}${node === undefined ? "" : ` on ${node}`} in ${dc}`);
        }
      });
    },
    setNodeMaintenance: (dc, node, on, reason = "") =>
      write(dc, (w) => state.setNodeMaintenance(w, node, on, reason)),
    setServiceMaintenance: (dc, node, serviceId, on, reason = "") =>
      write(dc, (w) => state.setServiceMaintenance(w, node, serviceId, on, reason)),
    putKV: (dc, key, value, flags = 0) =>
      write(dc, (w) => {
        const bytes = typeof value === "string" ? new TextEncoder().encode(value) : value;
        kvPut(w, key, bytes, flags);
      }),
    deleteKV: (dc, key) => write(dc, (w) => kvDelete(w, key, false)),
    setCoordinates(dc, node, vec, extra = {}) {
      if (vec.length !== 8) throw new Error(`a coordinate has 8 dimensions, got ${vec.length}`);
      const coord = { Vec: [...vec], Error: 1.5, Adjustment: 0, Height: 0, ...extra };
      dcOf(dc).coordinates.set(node, coord);
    },
    wakeWithoutChange: (dc) =>
      write(dc, (w) => {
        w.dc.floor = state.stamp(w);
      }),
    resetIndex(dc, n) {
      state.rewind(dcOf(dc), n);
      wake(rt, dc, true);
    },
    reapTombstones: (dc) => dcOf(dc).tombstones.clear(),
    failNext(n, status = 500) {
      rt.faults.failNext = n;
      rt.faults.failStatus = status;
    },
    failAll(on, status = 500) {
      rt.faults.failAll = on;
      rt.faults.failStatus = status;
    },
    slow: (ms) => {
      rt.faults.slowMs = ms;
    },
    leaderless(on) {
      rt.faults.leaderless = on;
      syncIfLeader(rt); // agent changes made without a leader reach the catalog now
    },
    lastContact: (ms) => {
      rt.faults.lastContactMs = ms;
    },
    index: (dc) => dcOf(dc).index,
    blockedQueries: () => rt.waiters.size,
    requests: () => [...rt.log],
    registered: (dc) => [...(rt.agents.get(dc ?? rt.defaultDc.name)?.services.values() ?? [])],
    async datacenterDown(dc, down) {
      dcOf(dc);
      if (!down) {
        rt.down.delete(dc);
        await listeners.restart(dc);
        syncIfLeader(rt);
        return;
      }
      rt.down.add(dc);
      for (const waiter of [...rt.waiters])
        if (waiter.dc === dc) waiter.fail(textReply(500, "rpc error: No path to datacenter"));
      await listeners.stop(dc);
    },
    acl(enabled, defaultPolicy = "deny") {
      rt.acl.enabled = enabled;
      rt.acl.defaultPolicy = defaultPolicy;
    },
    setToken: (secret, rules) => void rt.acl.tokens.set(secret, rules),
    deleteToken: (secret) => void rt.acl.tokens.delete(secret),
    commitDelay: (ms) => {
      rt.commitDelayMs = ms;
    },
  };
}

/** Anti-entropy runs whenever there is a leader to write to: each agent into its datacenter. */
export function syncIfLeader(rt: Runtime): void {
  if (rt.faults.leaderless) return;
  for (const [name, agent] of rt.agents) {
    const dc = rt.dcs.get(name);
    if (dc && !rt.down.has(name)) commit(rt, syncAgent(agent, dc));
  }
}
