/**
 * The write endpoints: KV PUT/DELETE (api-docs/kv) and the local agent's service and check
 * endpoints (api-docs/agent/service, api-docs/agent/check). KV writes need a leader; agent
 * writes do not (they are local to the agent and reach the catalog by anti-entropy).
 */
import type { ServerResponse } from "node:http";
import { deregister, findCheck, parseRegistration, register, updateCheck } from "./agent.ts";
import { parseFlag, resolveDc } from "./http-reads.ts";
import { kvDelete, kvPut } from "./kv-writes.ts";
import { commit, jsonReply, type Reply, type Runtime, send, textReply } from "./runtime.ts";
import { beginWrite } from "./state.ts";
import { type CheckStatus, isCheckStatus } from "./types.ts";

/** Values in the KV store cannot be larger than 512kb (api-docs/kv). */
export const MAX_VALUE_BYTES = 512 * 1024;

export interface WriteRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: Buffer;
}

const TTL_VERBS: Readonly<Record<string, CheckStatus>> = {
  pass: "passing",
  warn: "warning",
  fail: "critical",
};

/** Routes a PUT or DELETE; returns false when no write endpoint has this path. */
export function handleWrite(rt: Runtime, req: WriteRequest, res: ServerResponse): boolean {
  const { path } = req;
  if (path.startsWith("/v1/kv/")) {
    send(rt, res, req.method === "DELETE" ? deleteKey(rt, req) : putKey(rt, req));
    return true;
  }
  if (req.method !== "PUT") return false;
  const reply = agentWrite(rt, req);
  if (reply === undefined) return false;
  send(rt, res, reply);
  return true;
}

const ok = (): Reply => textReply(200, "");

function agentWrite(rt: Runtime, req: WriteRequest): Reply | undefined {
  const [verb = "", id = ""] = splitTail(req.path, "/v1/agent/check/");
  if (verb in TTL_VERBS)
    return ttlCheck(rt, id, TTL_VERBS[verb] ?? "critical", req.query.get("note") ?? "");
  if (verb === "update") return checkUpdate(rt, id, req.body);
  if (req.path === "/v1/agent/service/register") return registerService(rt, req);
  const [action = "", serviceId = ""] = splitTail(req.path, "/v1/agent/service/");
  if (action === "deregister") {
    deregister(rt.agent, serviceId);
    return ok();
  }
  if (action === "maintenance") return serviceMaintenance(rt, serviceId, req.query);
  if (req.path === "/v1/agent/maintenance") return nodeMaintenance(rt, req.query);
  return undefined;
}

/** "/v1/agent/check/pass/web%3A1" → ["pass", "web:1"] for the prefix "/v1/agent/check/". */
function splitTail(path: string, prefix: string): string[] {
  if (!path.startsWith(prefix)) return [];
  const rest = path.slice(prefix.length);
  const slash = rest.indexOf("/");
  return slash < 0 ? [rest] : [rest.slice(0, slash), decodeURIComponent(rest.slice(slash + 1))];
}

function parseIndexParam(query: URLSearchParams, name: string): number | undefined | "invalid" {
  const value = query.get(name);
  if (value === null) return undefined;
  return /^\d+$/.test(value) ? Number(value) : "invalid";
}

/** Two of these flags in one request is a 400 (agent/kvs_endpoint.go, conflictingFlags). */
function conflicting(query: URLSearchParams, ...flags: string[]): Reply | undefined {
  if (flags.filter((f) => query.has(f)).length < 2) return undefined;
  return textReply(400, `Conflicting flags: ${query.toString()}\n`);
}

/** Why a KV write cannot be applied, in Consul's words; undefined when it can. */
function kvRefusal(rt: Runtime, query: URLSearchParams, key: string, prefix: boolean) {
  const dc = resolveDc(rt, query);
  if (dc === undefined || rt.down.has(dc.name)) return textReply(500, "No path to datacenter");
  if (rt.faults.leaderless) return textReply(500, "No cluster leader");
  // A recursive delete needs write on the whole prefix (KeyWritePrefix); the double asks the
  // prefix itself, which the longest-prefix rule decides the same way for a rule-aligned prefix.
  if (!rt.auth.can("key", key, "write"))
    return textReply(403, `Permission denied: lacks key:write on "${key}${prefix ? "*" : ""}"`);
  return undefined;
}

function putKey(rt: Runtime, req: WriteRequest): Reply {
  const dc = resolveDc(rt, req.query);
  const key = decodeURIComponent(req.path.slice("/v1/kv/".length));
  const cas = parseIndexParam(req.query, "cas");
  const flags = parseIndexParam(req.query, "flags");
  if (key === "") return textReply(400, "Missing key name");
  const conflict = conflicting(req.query, "cas", "acquire", "release");
  if (conflict) return conflict;
  if (cas === "invalid") return textReply(400, "Invalid cas index");
  if (flags === "invalid") return textReply(400, "Invalid flags");
  if (req.query.has("acquire") || req.query.has("release")) {
    return textReply(400, "Sessions (acquire/release) are not supported by the Consul double");
  }
  if (req.body.length > MAX_VALUE_BYTES) {
    return textReply(413, `Request body too large, max size: ${MAX_VALUE_BYTES} bytes`);
  }
  const refused = kvRefusal(rt, req.query, key, false);
  if (refused || dc === undefined) return refused ?? textReply(500, "No path to datacenter");
  const w = beginWrite(dc);
  const done = kvPut(w, key, new Uint8Array(req.body), flags ?? 0, cas);
  commit(rt, w);
  return jsonReply(200, done);
}

function deleteKey(rt: Runtime, req: WriteRequest): Reply {
  const dc = resolveDc(rt, req.query);
  const key = decodeURIComponent(req.path.slice("/v1/kv/".length));
  const cas = parseIndexParam(req.query, "cas");
  const recurse = req.query.has("recurse");
  const conflict = conflicting(req.query, "recurse", "cas");
  if (conflict) return conflict;
  if (key === "" && !recurse) return textReply(400, "Missing key name");
  if (cas === "invalid") return textReply(400, "Invalid cas index");
  const refused = kvRefusal(rt, req.query, key, recurse);
  if (refused || dc === undefined) return refused ?? textReply(500, "No path to datacenter");
  const w = beginWrite(dc);
  const done = kvDelete(w, key, recurse, cas);
  commit(rt, w);
  return jsonReply(200, done);
}

function registerService(rt: Runtime, req: WriteRequest): Reply {
  let body: unknown;
  try {
    body = JSON.parse(req.body.toString("utf8"));
  } catch (error) {
    return textReply(400, `Request decode failed: ${(error as Error).message}`);
  }
  const service = parseRegistration(body);
  if (typeof service === "string") return textReply(400, service);
  if (!rt.auth.can("service", service.Name, "write"))
    return textReply(403, `Permission denied: lacks service:write on "${service.Name}"`);
  const replace = parseFlag(req.query, "replace-existing-checks") ?? true;
  register(rt.agent, service, replace);
  return ok();
}

function ttlCheck(rt: Runtime, checkId: string, status: CheckStatus, output: string): Reply {
  const check = findCheck(rt.agent, checkId);
  if (check === undefined) return textReply(404, `Unknown check ID "${checkId}"`);
  if (check.ttlMs === undefined) {
    return textReply(500, `CheckID "${checkId}" does not have associated TTL`);
  }
  updateCheck(rt.agent, check, status, output);
  return ok();
}

function checkUpdate(rt: Runtime, checkId: string, raw: Buffer): Reply {
  let body: { Status?: unknown; Output?: unknown };
  try {
    body = JSON.parse(raw.toString("utf8")) as typeof body;
  } catch (error) {
    return textReply(400, `Request decode failed: ${(error as Error).message}`);
  }
  if (!isCheckStatus(body?.Status))
    return textReply(400, `Invalid check status: "${String(body?.Status)}"`);
  const output = typeof body.Output === "string" ? body.Output : "";
  return ttlCheck(rt, checkId, body.Status, output);
}

function parseEnable(query: URLSearchParams): boolean | Reply {
  if (!query.has("enable")) return textReply(400, "Missing value for enable");
  const enable = parseFlag(query, "enable");
  return enable === undefined ? textReply(400, "Invalid value for enable") : enable;
}

function serviceMaintenance(rt: Runtime, serviceId: string, query: URLSearchParams): Reply {
  const enable = parseEnable(query);
  if (typeof enable !== "boolean") return enable;
  if (!rt.agent.services.has(serviceId)) return textReply(404, `Unknown service ID "${serviceId}"`);
  const reason = query.get("reason") || "Maintenance mode is enabled for this service";
  if (enable) rt.agent.serviceMaintenance.set(serviceId, reason);
  else rt.agent.serviceMaintenance.delete(serviceId);
  rt.agent.changed();
  return ok();
}

function nodeMaintenance(rt: Runtime, query: URLSearchParams): Reply {
  const enable = parseEnable(query);
  if (typeof enable !== "boolean") return enable;
  rt.agent.nodeMaintenance = enable
    ? query.get("reason") || "Maintenance mode is enabled for this node"
    : undefined;
  rt.agent.changed();
  return ok();
}
