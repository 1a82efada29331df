/**
 * The read endpoints as pure functions of one datacenter's state: each returns the body
 * and the endpoint's index, which is the highest ModifyIndex among what the answer is built
 * from (plus tombstones in its scope and the datacenter's floor), as api-docs/kv describes
 * for `?recurse`. Filters (`passing`, `tag`) apply after the index is taken, as Consul's
 * do, so a check turning critical moves the index of a `?passing` query it drops out of.
 */
import type { Authorizer } from "./acl.ts";
import type { DatacenterState } from "./state.ts";
import type { CheckRecord, KvRecord, NodeRecord, ServiceRecord } from "./types.ts";

export interface Answer {
  readonly index: number;
  readonly status: number;
  readonly json?: unknown;
  readonly raw?: Uint8Array;
  /** An error's text (a 403): such an answer never blocks and carries no X-Consul-* headers. */
  readonly text?: string;
  /** ACLs hid part of the list: `X-Consul-Results-Filtered-By-ACLs: true`. */
  readonly filtered?: boolean;
}

export const tomb = (dc: DatacenterState, scope: string): number => dc.tombstones.get(scope) ?? 0;

export function tombsUnder(dc: DatacenterState, prefix: string): number {
  let max = 0;
  for (const [scope, index] of dc.tombstones)
    if (scope.startsWith(prefix)) max = Math.max(max, index);
  return max;
}

/** A service instance the token may see: `service:read` on its name and `node:read` on its node. */
export const mayRead = (auth: Authorizer, service: ServiceRecord): boolean =>
  auth.can("service", service.Service, "read") && auth.can("node", service.Node, "read");

export const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const byNodeThenId = (a: ServiceRecord, b: ServiceRecord): number =>
  a.Node === b.Node ? compare(a.ID, b.ID) : compare(a.Node, b.Node);

function instancesOf(dc: DatacenterState, name: string): ServiceRecord[] {
  return [...dc.services.values()].filter((s) => s.Service === name).sort(byNodeThenId);
}

const hasTags = (service: ServiceRecord, tags: readonly string[]): boolean =>
  tags.every((t) => service.Tags.includes(t));

function nodeOf(dc: DatacenterState, service: ServiceRecord): NodeRecord {
  const node = dc.nodes.get(service.Node);
  if (node === undefined) throw new Error(`service ${service.ID} on unknown node ${service.Node}`);
  return node;
}

export function renderNode(node: NodeRecord) {
  const { Node, Address, Datacenter, Meta, CreateIndex, ModifyIndex } = node;
  const TaggedAddresses = { lan: Address, wan: Address };
  return { Node, Address, Datacenter, TaggedAddresses, Meta, CreateIndex, ModifyIndex };
}

function renderService(s: ServiceRecord) {
  const { ID, Service, Tags, Address, Meta, Port, CreateIndex, ModifyIndex } = s;
  const Weights = { Passing: 1, Warning: 1 };
  return {
    ID,
    Service,
    Tags,
    Address,
    Meta,
    Port,
    Weights,
    EnableTagOverride: false,
    CreateIndex,
    ModifyIndex,
  };
}

export function renderCheck(check: CheckRecord, service: ServiceRecord | undefined) {
  return { ...check, ServiceTags: service?.Tags ?? [], Type: "" };
}

/** GET /v1/health/service/:service — one entry per instance: node, service, checks. */
export function healthService(
  dc: DatacenterState,
  name: string,
  filter: { passing: boolean; tags: readonly string[] },
  auth: Authorizer,
): Answer {
  let index = Math.max(dc.floor, tomb(dc, `svc:${name}`), tomb(dc, `health:${name}`));
  const entries = instancesOf(dc, name).map((service) => {
    const node = nodeOf(dc, service);
    const checks = [...dc.checks.values()]
      .filter((c) => c.Node === service.Node && (c.ServiceID === "" || c.ServiceID === service.ID))
      .sort((a, b) => compare(a.CheckID, b.CheckID));
    for (const r of [node, service, ...checks]) index = Math.max(index, r.ModifyIndex);
    return { service, node, checks };
  });
  const visible = entries.filter((e) => mayRead(auth, e.service));
  const json = visible
    .filter((e) => hasTags(e.service, filter.tags))
    .filter((e) => !filter.passing || e.checks.every((c) => c.Status === "passing"))
    .map((e) => ({
      Node: renderNode(e.node),
      Service: renderService(e.service),
      Checks: e.checks.map((c) => renderCheck(c, c.ServiceID === "" ? undefined : e.service)),
    }));
  return { index, status: 200, json, filtered: visible.length < entries.length };
}

/** GET /v1/catalog/services — service name → every tag any instance carries. */
export function catalogServices(dc: DatacenterState, auth: Authorizer): Answer {
  let index = Math.max(dc.floor, tombsUnder(dc, "svc:"));
  const tags = new Map<string, Set<string>>();
  let filtered = false;
  for (const service of dc.services.values()) {
    index = Math.max(index, service.ModifyIndex);
    if (!mayRead(auth, service)) {
      filtered = true;
      continue;
    }
    const set = tags.get(service.Service) ?? new Set<string>();
    for (const t of service.Tags) set.add(t);
    tags.set(service.Service, set);
  }
  const names = [...tags.keys()].sort(compare);
  const json = Object.fromEntries(names.map((n) => [n, [...(tags.get(n) ?? [])].sort(compare)]));
  return { index, status: 200, json, filtered };
}

/** GET /v1/catalog/service/:service — the catalog's flat view: node fields + Service* fields. */
export function catalogService(
  dc: DatacenterState,
  name: string,
  tags: readonly string[],
  auth: Authorizer,
): Answer {
  let index = Math.max(dc.floor, tomb(dc, `svc:${name}`));
  const instances = instancesOf(dc, name);
  for (const s of instances) index = Math.max(index, s.ModifyIndex, nodeOf(dc, s).ModifyIndex);
  const visible = instances.filter((s) => mayRead(auth, s));
  const json = visible
    .filter((s) => hasTags(s, tags))
    .map((s) => {
      const node = nodeOf(dc, s);
      return {
        Node: node.Node,
        Address: node.Address,
        Datacenter: node.Datacenter,
        TaggedAddresses: { lan: node.Address, wan: node.Address },
        NodeMeta: node.Meta,
        ServiceID: s.ID,
        ServiceName: s.Service,
        ServiceAddress: s.Address,
        ServiceTags: s.Tags,
        ServiceMeta: s.Meta,
        ServicePort: s.Port,
        ServiceWeights: { Passing: 1, Warning: 1 },
        ServiceEnableTagOverride: false,
        CreateIndex: s.CreateIndex,
        ModifyIndex: s.ModifyIndex,
      };
    });
  return { index, status: 200, json, filtered: visible.length < instances.length };
}

export interface KvReadOptions {
  readonly recurse: boolean;
  readonly keys: boolean;
  readonly raw: boolean;
  readonly separator: string;
}

/**
 * The KV table's index: the last write to any key or tombstone (Consul's kvsMaxIndex), which
 * an answer with nothing in it reports (agent/consul/state/kvs.go), never below 1.
 */
function kvTableIndex(dc: DatacenterState): number {
  let index = Math.max(1, dc.floor, tombsUnder(dc, "kv:"));
  for (const e of dc.kv.values()) index = Math.max(index, e.ModifyIndex);
  return index;
}

/**
 * GET /v1/kv/:key (agent/kvs_endpoint.go, agent/consul/kvs_endpoint.go). One key: its
 * ModifyIndex, or the table's index when absent (404, still blockable); without `key:read`,
 * 403. A list (`recurse`, `keys`): the highest ModifyIndex of what matched or of the prefix's
 * tombstones, else the table's; the pairs the token may not read are dropped after the index
 * is taken, and an empty list is a 404 — except `?keys` on the root, which is `[]`.
 */
export function kvRead(
  dc: DatacenterState,
  key: string,
  options: KvReadOptions,
  auth: Authorizer,
): Answer {
  const list = options.recurse || options.keys; // `keys` implies `recurse` (api-docs/kv)
  if (!list) {
    const entry = dc.kv.get(key);
    if (!auth.can("key", key, "read")) return { index: 0, status: 403, text: "Permission denied" };
    if (entry === undefined) return { index: kvTableIndex(dc), status: 404 };
    const index = Math.max(dc.floor, entry.ModifyIndex);
    if (options.raw) return { index, status: 200, raw: entry.Value };
    return { index, status: 200, json: [renderPair(entry)] };
  }
  const matched = [...dc.kv.values()]
    .filter((e) => e.Key.startsWith(key))
    .sort((a, b) => compare(a.Key, b.Key));
  let found = key === "" ? 0 : tombsUnder(dc, `kv:${key}`);
  for (const e of matched) found = Math.max(found, e.ModifyIndex);
  const index = Math.max(dc.floor, found === 0 ? kvTableIndex(dc) : found);
  const visible = matched.filter((e) => auth.can("key", e.Key, "read"));
  if (options.keys) {
    const keys = keyList(visible, key, options.separator);
    if (keys.length === 0 && key !== "") return { index, status: 404 };
    return { index, status: 200, json: keys };
  }
  if (visible.length === 0) return { index, status: 404 };
  return { index, status: 200, json: visible.map(renderPair) };
}

function renderPair(e: KvRecord) {
  return {
    Key: e.Key,
    Value: e.Value.length === 0 ? null : Buffer.from(e.Value).toString("base64"),
    Flags: e.Flags,
    CreateIndex: e.CreateIndex,
    ModifyIndex: e.ModifyIndex,
    LockIndex: e.LockIndex,
  };
}

/** `?keys&separator=/`: keys under `prefix`, each cut just after the first separator past it. */
function keyList(entries: readonly KvRecord[], prefix: string, separator: string): string[] {
  const out = new Set<string>();
  for (const { Key } of entries) {
    const at = separator === "" ? -1 : Key.indexOf(separator, prefix.length);
    out.add(at < 0 ? Key : Key.slice(0, at + separator.length));
  }
  return [...out];
}

/** GET /v1/coordinate/datacenters — WAN coordinates of each datacenter's servers. */
export function coordinateDatacenters(dcs: readonly DatacenterState[]): unknown {
  return dcs.map((dc) => ({
    Datacenter: dc.name,
    AreaID: "WAN",
    Coordinates: [...dc.coordinates].map(([Node, Coord]) => ({ Node, Coord })),
  }));
}
