/**
 * The records the double keeps per datacenter, named and shaped as Consul's HTTP API
 * documents them (api-docs/health, catalog, kv, coordinate). Every stored record carries
 * the Raft-like index of the write that created it and of the last write that changed it.
 */
export const CHECK_STATUSES = ["passing", "warning", "critical"] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

export function isCheckStatus(value: unknown): value is CheckStatus {
  return (CHECK_STATUSES as readonly unknown[]).includes(value);
}

/** The check Consul registers on a node in maintenance (api-docs/agent, `consul maint`). */
export const NODE_MAINTENANCE_CHECK = "_node_maintenance";
/** The check Consul registers on one service instance in maintenance; the suffix is its ID. */
export const SERVICE_MAINTENANCE_PREFIX = "_service_maintenance:";
/** The node-level liveness check every Consul node carries (health sample response). */
export const SERF_HEALTH_CHECK = "serfHealth";

export interface Indexed {
  CreateIndex: number;
  ModifyIndex: number;
}

export interface NodeRecord extends Indexed {
  Node: string;
  Address: string;
  Datacenter: string;
  Meta: Record<string, string>;
}

export interface ServiceRecord extends Indexed {
  Node: string;
  ID: string;
  Service: string;
  Address: string;
  Port: number;
  Tags: string[];
  Meta: Record<string, string>;
}

export interface CheckRecord extends Indexed {
  Node: string;
  CheckID: string;
  Name: string;
  Status: CheckStatus;
  Notes: string;
  Output: string;
  /** "" for a node-level check, which applies to every service instance on the node. */
  ServiceID: string;
  ServiceName: string;
}

export interface KvRecord extends Indexed {
  Key: string;
  Value: Uint8Array;
  Flags: number;
  LockIndex: number;
}

/** A network coordinate (api-docs/coordinate): an 8-dimensional Vivaldi vector and its terms. */
export interface Coordinate {
  Vec: number[];
  Error: number;
  Adjustment: number;
  Height: number;
}

/** Test input for a node: its name and address (Consul's field names). */
export interface NodeInput {
  Node: string;
  Address?: string;
  Meta?: Record<string, string>;
}

/** Test input for a service instance; `ID` defaults to `Service`. */
export interface ServiceInput {
  ID?: string;
  Service: string;
  Address?: string;
  Port?: number;
  Tags?: string[];
  Meta?: Record<string, string>;
}

/**
 * Test input for a check. `ServiceID` defaults to the service the check is given with;
 * `ServiceID: ""` makes it a node-level check.
 */
export interface CheckInput {
  CheckID: string;
  Name?: string;
  Status: CheckStatus;
  Notes?: string;
  Output?: string;
  ServiceID?: string;
}
