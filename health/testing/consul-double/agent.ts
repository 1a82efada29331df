/**
 * The local agent: services registered through /v1/agent/service/register live here first
 * and reach the catalog through `syncAgent`, the double's anti-entropy (api-docs/agent/service:
 * "the agent is responsible for ... sending updates about its local services to the
 * servers"). Without a leader the agent still accepts registrations; they reach the catalog
 * when a leader is back. TTL checks go critical when their TTL passes without an update.
 * HTTP, TCP, gRPC and script checks are stored, never executed: tests set their status.
 */
import { parseGoDuration } from "./duration.ts";
import {
  beginWrite,
  type DatacenterState,
  removeCheck,
  removeService,
  setNodeMaintenance,
  setServiceMaintenance,
  upsertCheck,
  upsertNode,
  upsertService,
  type Write,
} from "./state.ts";
import { type CheckStatus, isCheckStatus, SERVICE_MAINTENANCE_PREFIX } from "./types.ts";

export interface AgentCheck {
  CheckID: string;
  Name: string;
  Status: CheckStatus;
  Output: string;
  Notes: string;
  /** The check as registered (HTTP, Interval, TTL, ...), for assertions. */
  Definition: Record<string, unknown>;
  ttlMs: number | undefined;
}

export interface AgentService {
  ID: string;
  Name: string;
  Address: string;
  Port: number;
  Tags: string[];
  Meta: Record<string, string>;
  Checks: Map<string, AgentCheck>;
}

export interface Agent {
  readonly node: { readonly Node: string; readonly Address: string };
  readonly services: Map<string, AgentService>;
  /** Service IDs deregistered locally and not yet removed from the catalog. */
  readonly removed: Set<string>;
  nodeMaintenance: string | undefined;
  readonly serviceMaintenance: Map<string, string>;
  readonly ttlTimers: Map<string, NodeJS.Timeout>;
  /** Called after every local change (TTL expiry included) so the double can sync. */
  readonly changed: () => void;
}

export function createAgent(node: { Node: string; Address: string }, changed: () => void): Agent {
  const services = new Map<string, AgentService>();
  const ttlTimers = new Map<string, NodeJS.Timeout>();
  return {
    node,
    services,
    removed: new Set(),
    nodeMaintenance: undefined,
    serviceMaintenance: new Map(),
    ttlTimers,
    changed,
  };
}

const RUNNABLE = [
  "HTTP",
  "TCP",
  "GRPC",
  "H2PING",
  "UDP",
  "Args",
  "ScriptArgs",
  "DockerContainerID",
];
const KINDS = [...RUNNABLE, "TTL", "AliasService", "AliasNode", "OSService"];

type Fields = Record<string, unknown>;
const isObject = (v: unknown): v is Fields =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const text = (v: unknown, fallback = ""): string => (typeof v === "string" ? v : fallback);

/** Parses a registration body; returns the service or a 400 message in Consul's words. */
export function parseRegistration(body: unknown): AgentService | string {
  if (!isObject(body)) return "Request decode failed: body is not a JSON object";
  const name = text(body.Name);
  if (name === "") return "Missing service name";
  const id = text(body.ID, name) || name;
  const definitions = [
    ...(isObject(body.Check) ? [body.Check] : []),
    ...(Array.isArray(body.Checks) ? body.Checks : []),
  ];
  const checks = new Map<string, AgentCheck>();
  for (const [i, definition] of definitions.entries()) {
    if (!isObject(definition)) return "Invalid check: not a JSON object";
    const suffix = definitions.length > 1 ? `:${i + 1}` : "";
    const check = parseCheck(definition, `service:${id}${suffix}`, `Service '${name}' check`);
    if (typeof check === "string") return `Invalid check: ${check}`;
    checks.set(check.CheckID, check);
  }
  return {
    ID: id,
    Name: name,
    Address: text(body.Address),
    Port: typeof body.Port === "number" ? body.Port : 0,
    Tags: Array.isArray(body.Tags) ? body.Tags.filter((t) => typeof t === "string") : [],
    Meta: isObject(body.Meta) ? (body.Meta as Record<string, string>) : {},
    Checks: checks,
  };
}

function parseCheck(
  definition: Fields,
  defaultId: string,
  defaultName: string,
): AgentCheck | string {
  const kinds = KINDS.filter((k) => definition[k] !== undefined && definition[k] !== "");
  if (kinds.length === 0) return `one of ${KINDS.join(", ")} is required`;
  const interval = parseGoDuration(text(definition.Interval));
  if (kinds.some((k) => RUNNABLE.includes(k)) && !(interval !== undefined && interval > 0)) {
    return "Interval must be > 0 for Script, HTTP, H2PING, TCP or UDP checks";
  }
  const ttlMs = kinds.includes("TTL") ? parseGoDuration(text(definition.TTL)) : undefined;
  if (kinds.includes("TTL") && !(ttlMs !== undefined && ttlMs > 0))
    return "TTL must be > 0 for TTL checks";
  const status = definition.Status ?? "critical"; // checks start critical unless told otherwise
  if (!isCheckStatus(status))
    return `Status must be passing, warning or critical, not ${String(status)}`;
  return {
    CheckID: text(definition.CheckID) || text(definition.ID) || defaultId,
    Name: text(definition.Name) || defaultName,
    Status: status,
    Output: "",
    Notes: text(definition.Notes),
    Definition: { ...definition },
    ttlMs,
  };
}

/** PUT /v1/agent/service/register; `replaceChecks` is `?replace-existing-checks`. */
export function register(agent: Agent, service: AgentService, replaceChecks: boolean): void {
  const old = agent.services.get(service.ID);
  if (old !== undefined && !replaceChecks) {
    for (const [id, check] of old.Checks)
      if (!service.Checks.has(id)) service.Checks.set(id, check);
  }
  for (const id of old?.Checks.keys() ?? []) if (!service.Checks.has(id)) stopTtl(agent, id);
  agent.removed.delete(service.ID);
  agent.services.set(service.ID, service);
  for (const check of service.Checks.values()) armTtl(agent, check);
  agent.changed();
}

/** PUT /v1/agent/service/deregister/:id — unknown IDs are not an error (the docs: no action). */
export function deregister(agent: Agent, id: string): void {
  const service = agent.services.get(id);
  if (service === undefined) return;
  for (const checkId of service.Checks.keys()) stopTtl(agent, checkId);
  agent.services.delete(id);
  agent.serviceMaintenance.delete(id);
  agent.removed.add(id);
  agent.changed();
}

export function findCheck(agent: Agent, checkId: string): AgentCheck | undefined {
  for (const service of agent.services.values()) {
    const check = service.Checks.get(checkId);
    if (check !== undefined) return check;
  }
  return undefined;
}

/** Sets a local check's status; a TTL check's clock restarts (api-docs/agent/check). */
export function updateCheck(
  agent: Agent,
  check: AgentCheck,
  status: CheckStatus,
  output: string,
): void {
  check.Status = status;
  check.Output = output;
  armTtl(agent, check);
  agent.changed();
}

function armTtl(agent: Agent, check: AgentCheck): void {
  stopTtl(agent, check.CheckID);
  if (check.ttlMs === undefined) return;
  const timer = setTimeout(() => {
    agent.ttlTimers.delete(check.CheckID);
    check.Status = "critical";
    check.Output = "TTL expired";
    agent.changed();
  }, check.ttlMs);
  timer.unref();
  agent.ttlTimers.set(check.CheckID, timer);
}

function stopTtl(agent: Agent, checkId: string): void {
  clearTimeout(agent.ttlTimers.get(checkId));
  agent.ttlTimers.delete(checkId);
}

export function stopAgent(agent: Agent): void {
  for (const timer of agent.ttlTimers.values()) clearTimeout(timer);
  agent.ttlTimers.clear();
}

/** Anti-entropy: makes the catalog hold exactly what the agent holds for its own services. */
export function syncAgent(agent: Agent, dc: DatacenterState): Write {
  const w = beginWrite(dc);
  const node = agent.node.Node;
  upsertNode(w, agent.node);
  for (const id of agent.removed) removeService(w, node, id);
  agent.removed.clear();
  for (const s of agent.services.values()) {
    upsertService(w, node, {
      ID: s.ID,
      Service: s.Name,
      Address: s.Address,
      Port: s.Port,
      Tags: s.Tags,
      Meta: s.Meta,
    });
    for (const c of s.Checks.values()) {
      const { CheckID, Name, Status, Output, Notes } = c;
      upsertCheck(w, node, { CheckID, Name, Status, Output, Notes, ServiceID: s.ID });
    }
    for (const c of [...dc.checks.values()]) {
      const local = s.Checks.has(c.CheckID) || c.CheckID === `${SERVICE_MAINTENANCE_PREFIX}${s.ID}`;
      if (c.Node === node && c.ServiceID === s.ID && !local) removeCheck(w, node, c.CheckID);
    }
    const reason = agent.serviceMaintenance.get(s.ID);
    setServiceMaintenance(w, node, s.ID, reason !== undefined, reason ?? "");
  }
  setNodeMaintenance(w, node, agent.nodeMaintenance !== undefined, agent.nodeMaintenance ?? "");
  return w;
}
