/**
 * The read endpoints and the blocking-query rules (api-docs/features/blocking,
 * api-docs/features/consistency):
 * - `index` absent or 0: answer at once. Otherwise answer at once when the endpoint's index
 *   is already above it, else hold until a write moves it above, or `wait` passes.
 * - `wait`: Go duration ("100ms", "5s", "1m"); default 5 minutes, at most 10; plus a
 *   random stagger of up to wait/16 (from the injected `random`; `() => 0` removes it).
 * - Every answer carries X-Consul-Index, X-Consul-KnownLeader, X-Consul-LastContact and
 *   X-Consul-Effective-Consistency. `stale` reads work without a leader; default and
 *   `consistent` reads answer 500 "No cluster leader". `stale` with `consistent` is a 400.
 * - An unknown `dc`, or one that went away, answers 500 "No path to datacenter" (the
 *   local agent forwards a `?dc=` read over the WAN; with no server there, Consul's router
 *   has no path).
 * - ACLs (acl.ts) filter lists and refuse single keys; a refused read answers at once.
 */
import type { ServerResponse } from "node:http";
import { agentMembers, agentSelf, serverAddress } from "./agent-reads.ts";
import { parseGoDuration } from "./duration.ts";
import {
  type Answer,
  catalogService,
  catalogServices,
  coordinateDatacenters,
  healthService,
  kvRead,
} from "./queries.ts";
import { catalogNodes, healthChecks, healthNode, healthState } from "./queries-nodes.ts";
import { jsonReply, type Reply, type Runtime, send, textReply, type Waiter } from "./runtime.ts";
import type { DatacenterState } from "./state.ts";

export const DEFAULT_WAIT_MS = 5 * 60_000;
export const MAX_WAIT_MS = 10 * 60_000;
/** Consul adds up to wait/16 to each blocking query's wait (the docs' "small random amount"). */
export const JITTER_FRACTION = 16;

export interface ReadRequest {
  readonly path: string;
  readonly query: URLSearchParams;
}

/** Go's strconv.ParseBool, which Consul uses for boolean parameters such as `passing`. */
export function parseFlag(query: URLSearchParams, name: string): boolean | undefined {
  const value = query.get(name);
  if (value === null) return false;
  if (value === "") return true; // a bare `?passing`
  if (["1", "t", "T", "true", "TRUE", "True"].includes(value)) return true;
  if (["0", "f", "F", "false", "FALSE", "False"].includes(value)) return false;
  return undefined;
}

export function resolveDc(rt: Runtime, query: URLSearchParams): DatacenterState | undefined {
  const name = query.get("dc");
  return name === null || name === "" ? rt.defaultDc : rt.dcs.get(name);
}

type Read = (dc: DatacenterState) => Answer;

/** Blocking endpoints by path prefix: each turns the rest of the path and the query into a read. */
const BLOCKING: readonly (readonly [
  string,
  (rt: Runtime, rest: string, q: URLSearchParams) => Read | Reply,
])[] = [
  [
    "/v1/catalog/services",
    (rt, rest) => (rest === "" ? (dc) => catalogServices(dc, rt.auth) : NO_ROUTE),
  ],
  ["/v1/catalog/nodes", (rt, rest) => (rest === "" ? (dc) => catalogNodes(dc, rt.auth) : NO_ROUTE)],
  [
    "/v1/catalog/service/",
    (rt, name, q) => (dc) => catalogService(dc, name, q.getAll("tag"), rt.auth),
  ],
  ["/v1/health/node/", (rt, node) => (dc) => healthNode(dc, node, rt.auth)],
  ["/v1/health/checks/", (rt, name) => (dc) => healthChecks(dc, name, rt.auth)],
  ["/v1/health/state/", (rt, state) => (dc) => healthState(dc, state, rt.auth)],
  ["/v1/health/service/", healthServiceRead],
  ["/v1/kv/", kvReadOf],
];

const NO_ROUTE: Reply = textReply(404, "no such endpoint");

function healthServiceRead(rt: Runtime, name: string, query: URLSearchParams): Read | Reply {
  const passing = parseFlag(query, "passing");
  if (passing === undefined) return textReply(400, "Invalid value for ?passing");
  const tags = query.getAll("tag");
  return (dc) => healthService(dc, name, { passing, tags }, rt.auth);
}

function kvReadOf(rt: Runtime, key: string, query: URLSearchParams): Read | Reply {
  const options = {
    recurse: query.has("recurse"),
    keys: query.has("keys"),
    raw: query.has("raw"),
    separator: query.get("separator") ?? query.get("seperator") ?? "",
  };
  if (key === "" && !options.recurse && !options.keys) return textReply(400, "Missing key name");
  return (dc) => kvRead(dc, key, options, rt.auth);
}

/** Routes a GET; returns false when no read endpoint has this path. */
export function handleRead(rt: Runtime, req: ReadRequest, res: ServerResponse): boolean {
  const { path, query } = req;
  const simple = simpleRead(rt, path, query);
  if (simple !== undefined) {
    send(rt, res, simple);
    return true;
  }
  for (const [prefix, route] of BLOCKING) {
    if (!path.startsWith(prefix)) continue;
    const read = route(rt, decodeURIComponent(path.slice(prefix.length)), query);
    if (typeof read === "function") blockingRead(rt, query, res, read);
    else if (read === NO_ROUTE) return false;
    else send(rt, res, read);
    return true;
  }
  return false;
}

/** The reads that never block: datacenters, coordinates, status, the agent's own. */
function simpleRead(rt: Runtime, path: string, query: URLSearchParams): Reply | undefined {
  if (path === "/v1/catalog/datacenters") return jsonReply(200, [...rt.dcs.keys()]);
  if (path === "/v1/coordinate/datacenters")
    return jsonReply(200, coordinateDatacenters([...rt.dcs.values()]));
  if (path === "/v1/agent/self") return jsonReply(200, agentSelf(rt));
  if (path === "/v1/agent/members") return jsonReply(200, agentMembers(rt, query.has("wan")));
  if (path !== "/v1/status/leader" && path !== "/v1/status/peers") return undefined;
  const dc = resolveDc(rt, query);
  if (dc === undefined || rt.down.has(dc.name)) return textReply(500, "No path to datacenter");
  const server = serverAddress(dc);
  if (path === "/v1/status/peers") return jsonReply(200, [server]);
  return jsonReply(200, rt.faults.leaderless ? "" : server);
}

/** Why a read cannot be served, as Consul words it; undefined when it can. */
function refusal(
  rt: Runtime,
  query: URLSearchParams,
  dc: DatacenterState | undefined,
): Reply | undefined {
  if (dc === undefined || rt.down.has(dc.name)) return textReply(500, "No path to datacenter");
  if (query.has("stale") && query.has("consistent")) {
    return textReply(400, "Cannot specify ?stale with ?consistent, conflicting semantics.");
  }
  for (const unsupported of ["filter", "near", "hash", "cached"]) {
    if (query.has(unsupported))
      return textReply(400, `?${unsupported} is not supported by the Consul double`);
  }
  if (rt.faults.leaderless && !query.has("stale")) return textReply(500, "No cluster leader");
  return undefined;
}

/** Milliseconds to hold a blocking query; undefined when `wait` is not a duration. */
export function holdMs(wait: string | null, random: () => number): number | undefined {
  const asked = wait === null ? DEFAULT_WAIT_MS : parseGoDuration(wait);
  if (asked === undefined || asked < 0) return undefined;
  const bounded = Math.min(asked === 0 ? DEFAULT_WAIT_MS : asked, MAX_WAIT_MS);
  return bounded + random() * (bounded / JITTER_FRACTION);
}

function blockingRead(
  rt: Runtime,
  query: URLSearchParams,
  res: ServerResponse,
  read: (dc: DatacenterState) => Answer,
): void {
  const dc = resolveDc(rt, query);
  const indexText = query.get("index") ?? "0";
  const minIndex = /^\d+$/.test(indexText) ? Number(indexText) : Number.NaN;
  const waitMs = holdMs(query.get("wait"), rt.random);
  const refused =
    refusal(rt, query, dc) ??
    (Number.isNaN(minIndex) ? textReply(400, "Invalid index") : undefined) ??
    (waitMs === undefined ? textReply(400, "Invalid wait time") : undefined);
  if (refused !== undefined || dc === undefined || waitMs === undefined) {
    send(rt, res, refused ?? textReply(500, "No path to datacenter"));
    return;
  }
  const reply = (answer: Answer): void => send(rt, res, toReply(rt, query, answer));
  const first = read(dc);
  if (minIndex === 0 || first.index > minIndex || first.text !== undefined) reply(first);
  else hold(rt, res, { dc: dc.name, minIndex, waitMs, evaluate: () => read(dc), reply });
}

interface Hold {
  readonly dc: string;
  readonly minIndex: number;
  readonly waitMs: number;
  readonly evaluate: () => Answer;
  readonly reply: (answer: Answer) => void;
}

function hold(rt: Runtime, res: ServerResponse, h: Hold): void {
  const timer = setTimeout(() => waiter.finish(h.evaluate()), h.waitMs);
  const waiter: Waiter = {
    dc: h.dc,
    minIndex: h.minIndex,
    evaluate: h.evaluate,
    finish(answer) {
      clearTimeout(timer);
      if (!rt.waiters.delete(waiter)) return; // already answered, or the client left
      h.reply(answer);
    },
    fail(failure) {
      clearTimeout(timer);
      if (rt.waiters.delete(waiter)) send(rt, res, failure);
    },
  };
  rt.waiters.add(waiter);
  res.on("close", () => {
    clearTimeout(timer);
    rt.waiters.delete(waiter);
  });
}

function toReply(rt: Runtime, query: URLSearchParams, answer: Answer): Reply {
  if (answer.text !== undefined) return textReply(answer.status, answer.text);
  const headers: Record<string, string> = {
    "X-Consul-Index": String(answer.index),
    "X-Consul-KnownLeader": String(!rt.faults.leaderless),
    "X-Consul-LastContact": String(rt.faults.lastContactMs),
    "X-Consul-Effective-Consistency": query.has("stale")
      ? "stale"
      : query.has("consistent")
        ? "consistent"
        : "leader",
    ...(answer.filtered && { "X-Consul-Results-Filtered-By-ACLs": "true" }),
  };
  if (answer.raw !== undefined) {
    return { status: answer.status, body: answer.raw, contentType: "text/plain", headers };
  }
  if (answer.json === undefined) return { ...textReply(answer.status, ""), headers };
  return jsonReply(answer.status, answer.json, headers);
}
