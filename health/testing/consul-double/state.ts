/**
 * One datacenter's state and every write to it. Each datacenter has one Raft-like index
 * that a write takes the next value of, the first time it changes something; the records
 * it changes get that index as their ModifyIndex (api-docs/features/blocking, api-docs/kv).
 * Removals leave a tombstone (scope → index) so a query whose result lost an item still
 * sees its index move forward, as Consul's own tombstones do until they are reaped.
 * KV writes are in kv-writes.ts.
 */
import {
  type CheckInput,
  type CheckRecord,
  type CheckStatus,
  type Coordinate,
  type Indexed,
  type KvRecord,
  NODE_MAINTENANCE_CHECK,
  type NodeInput,
  type NodeRecord,
  SERF_HEALTH_CHECK,
  SERVICE_MAINTENANCE_PREFIX,
  type ServiceInput,
  type ServiceRecord,
} from "./types.ts";

export interface DatacenterState {
  readonly name: string;
  /** The last index handed out. Starts at 1 (a bootstrap write), so answers are never 0. */
  index: number;
  /** Lowest index any query reports; raised by a spurious wake-up (see `wakeWithoutChange`). */
  floor: number;
  readonly nodes: Map<string, NodeRecord>;
  /** Keyed by `recordKey(node, service ID)`. */
  readonly services: Map<string, ServiceRecord>;
  /** Keyed by `recordKey(node, check ID)`. */
  readonly checks: Map<string, CheckRecord>;
  readonly kv: Map<string, KvRecord>;
  /** `svc:<name>`, `health:<name>`, `kv:<key>` → index of the last removal in that scope. */
  readonly tombstones: Map<string, number>;
  readonly coordinates: Map<string, Coordinate>;
}

export function createDatacenter(name: string): DatacenterState {
  return {
    name,
    index: 1,
    floor: 1,
    nodes: new Map(),
    services: new Map(),
    checks: new Map(),
    kv: new Map(),
    tombstones: new Map(),
    coordinates: new Map(),
  };
}

export const recordKey = (node: string, id: string): string => `${node}\u0000${id}`;

/** One write. `index` is taken lazily, so a write that changes nothing leaves it undefined. */
export interface Write {
  readonly dc: DatacenterState;
  index: number | undefined;
}

export const beginWrite = (dc: DatacenterState): Write => ({ dc, index: undefined });

export function stamp(w: Write): number {
  w.index ??= ++w.dc.index;
  return w.index;
}

/** Stores `next` under `key` unless an equal record is there; returns the stored record. */
function assign<T extends Indexed>(
  w: Write,
  map: Map<string, T>,
  key: string,
  next: Omit<T, keyof Indexed>,
): T {
  const old = map.get(key);
  if (old !== undefined && sameContent(old, next)) return old;
  const index = stamp(w);
  const stored = { ...next, CreateIndex: old?.CreateIndex ?? index, ModifyIndex: index } as T;
  map.set(key, stored);
  return stored;
}

function sameContent(old: Indexed, next: object): boolean {
  const { CreateIndex: _c, ModifyIndex: _m, ...rest } = old;
  return JSON.stringify(rest) === JSON.stringify(next);
}

/** Records a removal in `scope` at this write's index. */
export function bury(w: Write, scope: string): void {
  w.dc.tombstones.set(scope, stamp(w));
}

export function upsertNode(w: Write, input: NodeInput): NodeRecord {
  const fresh = !w.dc.nodes.has(input.Node);
  const node = assign(w, w.dc.nodes, input.Node, {
    Node: input.Node,
    Address: input.Address ?? w.dc.nodes.get(input.Node)?.Address ?? "127.0.0.1",
    Datacenter: w.dc.name,
    Meta: input.Meta ?? w.dc.nodes.get(input.Node)?.Meta ?? {},
  });
  if (fresh) {
    upsertCheck(w, node.Node, {
      CheckID: SERF_HEALTH_CHECK,
      Name: "Serf Health Status",
      Status: "passing",
      ServiceID: "",
    });
  }
  return node;
}

export function upsertService(w: Write, node: string, input: ServiceInput): ServiceRecord {
  const id = input.ID ?? input.Service;
  return assign(w, w.dc.services, recordKey(node, id), {
    Node: node,
    ID: id,
    Service: input.Service,
    Address: input.Address ?? "",
    Port: input.Port ?? 0,
    Tags: [...(input.Tags ?? [])],
    Meta: { ...(input.Meta ?? {}) },
  });
}

/** Upserts a check on `node`; `ServiceID` (default "") names a service on the same node. */
export function upsertCheck(w: Write, node: string, input: CheckInput): CheckRecord {
  const serviceId = input.ServiceID ?? "";
  const service = serviceId === "" ? undefined : w.dc.services.get(recordKey(node, serviceId));
  if (serviceId !== "" && service === undefined) {
    throw new Error(
      `check ${input.CheckID}: no service ${serviceId} on node ${node} in ${w.dc.name}`,
    );
  }
  return assign(w, w.dc.checks, recordKey(node, input.CheckID), {
    Node: node,
    CheckID: input.CheckID,
    Name: input.Name ?? input.CheckID,
    Status: input.Status,
    Notes: input.Notes ?? "",
    Output: input.Output ?? "",
    ServiceID: serviceId,
    ServiceName: service?.Service ?? "",
  });
}

export function removeCheck(w: Write, node: string, checkId: string): boolean {
  const check = w.dc.checks.get(recordKey(node, checkId));
  if (check === undefined) return false;
  w.dc.checks.delete(recordKey(node, checkId));
  const names =
    check.ServiceID === ""
      ? [...w.dc.services.values()].filter((s) => s.Node === node).map((s) => s.Service)
      : [check.ServiceName];
  for (const name of new Set(names)) bury(w, `health:${name}`);
  if (names.length === 0) stamp(w);
  return true;
}

/** Removes a service instance and its checks (api-docs/agent/service, Deregister Service). */
export function removeService(w: Write, node: string, serviceId: string): boolean {
  const service = w.dc.services.get(recordKey(node, serviceId));
  if (service === undefined) return false;
  for (const check of [...w.dc.checks.values()]) {
    if (check.Node === node && check.ServiceID === serviceId) {
      w.dc.checks.delete(recordKey(node, check.CheckID));
    }
  }
  w.dc.services.delete(recordKey(node, serviceId));
  bury(w, `svc:${service.Service}`);
  bury(w, `health:${service.Service}`);
  return true;
}

/**
 * Sets the status (and output, when given) of every check called `checkId` in the
 * datacenter, or only the one on `node`. Returns how many checks matched; a check whose
 * status and output are already those keeps its ModifyIndex (no write, no wake-up).
 */
export function setCheckStatus(
  w: Write,
  checkId: string,
  status: CheckStatus,
  output: string | undefined,
  node?: string,
): number {
  let matched = 0;
  for (const check of [...w.dc.checks.values()]) {
    if (check.CheckID !== checkId || (node !== undefined && check.Node !== node)) continue;
    matched += 1;
    const { CreateIndex: _c, ModifyIndex: _m, ...content } = check;
    assign(w, w.dc.checks, recordKey(check.Node, checkId), {
      ...content,
      Status: status,
      Output: output ?? check.Output,
    });
  }
  return matched;
}

/** Maintenance is a critical check that Consul adds while it is on and removes when it is off. */
function setMaintenanceCheck(w: Write, node: string, on: boolean, check: CheckInput): void {
  if (on) upsertCheck(w, node, check);
  else removeCheck(w, node, check.CheckID);
}

/** Node maintenance is a critical `_node_maintenance` check on the node, as Consul does. */
export function setNodeMaintenance(w: Write, node: string, on: boolean, reason: string): void {
  if (!w.dc.nodes.has(node)) throw new Error(`no node ${node} in ${w.dc.name}`);
  setMaintenanceCheck(w, node, on, {
    CheckID: NODE_MAINTENANCE_CHECK,
    Name: "Node Maintenance Mode",
    Status: "critical",
    Notes: reason,
    ServiceID: "",
  });
}

/** Service maintenance is a critical `_service_maintenance:<id>` check on that instance. */
export function setServiceMaintenance(
  w: Write,
  node: string,
  serviceId: string,
  on: boolean,
  reason: string,
): void {
  setMaintenanceCheck(w, node, on, {
    CheckID: `${SERVICE_MAINTENANCE_PREFIX}${serviceId}`,
    Name: "Service Maintenance Mode",
    Status: "critical",
    Notes: reason,
    ServiceID: serviceId,
  });
}

/**
 * The index goes backwards, as after restoring an older Raft snapshot: the next index is
 * `n + 1` and no record, tombstone or floor keeps an index above `n`. `n` may be 0, which
 * reproduces the "index is 0" bug the blocking-queries page warns about.
 */
export function rewind(dc: DatacenterState, n: number): void {
  dc.index = n;
  dc.floor = Math.min(dc.floor, n);
  for (const map of [dc.nodes, dc.services, dc.checks, dc.kv] as Map<string, Indexed>[]) {
    for (const record of map.values()) {
      record.CreateIndex = Math.min(record.CreateIndex, n);
      record.ModifyIndex = Math.min(record.ModifyIndex, n);
    }
  }
  for (const [scope, index] of dc.tombstones) dc.tombstones.set(scope, Math.min(index, n));
}
