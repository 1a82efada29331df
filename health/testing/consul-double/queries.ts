/**
 * The read endpoints as pure functions of one datacenter's state: each returns the body
 * and the endpoint's index, which is the highest ModifyIndex among what the answer is built
 * from (plus tombstones in its scope and the datacenter's floor), as api-docs/kv describes
 * for `?recurse`. Filters (`passing`, `tag`) apply after the index is taken, as Consul's
 * do, so a check turning critical moves the index of a `?passing` query it drops out of.
 */
import type { DatacenterState } from "./state.ts";
import type { CheckRecord, KvRecord, NodeRecord, ServiceRecord } from "./types.ts";

export interface Answer {
  readonly index: number;
  readonly status: number;
  readonly json?: unknown;
  readonly raw?: Uint8Array;
}

const tomb = (dc: DatacenterState, scope: string): number => dc.tombstones.get(scope) ?? 0;

function tombsUnder(dc: DatacenterState, prefix: string): number {
  let max = 0;
  for (const [scope, index] of dc.tombstones)
    if (scope.startsWith(prefix)) max = Math.max(max, index);
  return max;
}

const byNodeThenId = (a: ServiceRecord, b: ServiceRecord): number =>
  a.Node === b.Node ? compare(a.ID, b.ID) : compare(a.Node, b.Node);
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

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

function renderNode(node: NodeRecord) {
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

function renderCheck(check: CheckRecord, service: ServiceRecord | undefined) {
  return { ...check, ServiceTags: service?.Tags ?? [], Type: "" };
}

/** GET /v1/health/service/:service — one entry per instance: node, service, checks. */
export function healthService(
  dc: DatacenterState,
  name: string,
  filter: { passing: boolean; tags: readonly string[] },
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
  const json = entries
    .filter((e) => hasTags(e.service, filter.tags))
    .filter((e) => !filter.passing || e.checks.every((c) => c.Status === "passing"))
    .map((e) => ({
      Node: renderNode(e.node),
      Service: renderService(e.service),
      Checks: e.checks.map((c) => renderCheck(c, c.ServiceID === "" ? undefined : e.service)),
    }));
  return { index, status: 200, json };
}

/** GET /v1/catalog/services — service name → every tag any instance carries. */
export function catalogServices(dc: DatacenterState): Answer {
  let index = Math.max(dc.floor, tombsUnder(dc, "svc:"));
  const tags = new Map<string, Set<string>>();
  for (const service of dc.services.values()) {
    index = Math.max(index, service.ModifyIndex);
    const set = tags.get(service.Service) ?? new Set<string>();
    for (const t of service.Tags) set.add(t);
    tags.set(service.Service, set);
  }
  const names = [...tags.keys()].sort(compare);
  const json = Object.fromEntries(names.map((n) => [n, [...(tags.get(n) ?? [])].sort(compare)]));
  return { index, status: 200, json };
}

/** GET /v1/catalog/service/:service — the catalog's flat view: node fields + Service* fields. */
export function catalogService(dc: DatacenterState, name: string, tags: readonly string[]): Answer {
  let index = Math.max(dc.floor, tomb(dc, `svc:${name}`));
  const instances = instancesOf(dc, name);
  for (const s of instances) index = Math.max(index, s.ModifyIndex, nodeOf(dc, s).ModifyIndex);
  const json = instances
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
  return { index, status: 200, json };
}

export interface KvReadOptions {
  readonly recurse: boolean;
  readonly keys: boolean;
  readonly raw: boolean;
  readonly separator: string;
}

/** GET /v1/kv/:key — 404 (still with an index, so it can block) when nothing matches. */
export function kvRead(dc: DatacenterState, key: string, options: KvReadOptions): Answer {
  const list = options.recurse || options.keys; // `keys` implies `recurse` (api-docs/kv)
  const matched: KvRecord[] = list
    ? [...dc.kv.values()].filter((e) => e.Key.startsWith(key)).sort((a, b) => compare(a.Key, b.Key))
    : [dc.kv.get(key)].filter((e) => e !== undefined);
  let index = Math.max(dc.floor, list ? tombsUnder(dc, `kv:${key}`) : tomb(dc, `kv:${key}`));
  for (const e of matched) index = Math.max(index, e.ModifyIndex);
  if (matched.length === 0) return { index, status: 404 };
  if (options.keys) return { index, status: 200, json: keyList(matched, key, options.separator) };
  const first = matched[0];
  if (options.raw && !list && first !== undefined) return { index, status: 200, raw: first.Value };
  const json = matched.map((e) => ({
    Key: e.Key,
    Value: e.Value.length === 0 ? null : Buffer.from(e.Value).toString("base64"),
    Flags: e.Flags,
    CreateIndex: e.CreateIndex,
    ModifyIndex: e.ModifyIndex,
    LockIndex: e.LockIndex,
  }));
  return { index, status: 200, json };
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
