/** The KV writes (api-docs/kv, Create/Update Key and Delete Key) on one datacenter's state. */
import { bury, stamp, type Write } from "./state.ts";

/**
 * PUT /v1/kv/:key (api-docs/kv): `cas` 0 writes only if the key is absent; any other
 * value only if it equals the key's ModifyIndex. Every attempt is a Raft write, so it takes
 * an index even when the check-and-set fails, as a real apply does.
 */
export function kvPut(
  w: Write,
  key: string,
  value: Uint8Array,
  flags: number,
  cas?: number,
): boolean {
  stamp(w);
  const old = w.dc.kv.get(key);
  if (cas !== undefined && (cas === 0 ? old !== undefined : old?.ModifyIndex !== cas)) return false;
  const index = stamp(w);
  w.dc.kv.set(key, {
    Key: key,
    Value: value,
    Flags: flags,
    CreateIndex: old?.CreateIndex ?? index,
    ModifyIndex: index,
    LockIndex: old?.LockIndex ?? 0,
  });
  return true;
}

/**
 * DELETE /v1/kv/:key (api-docs/kv): `recurse` deletes the prefix; with `cas`, 0 never
 * deletes and any other value deletes only the key whose ModifyIndex equals it.
 */
export function kvDelete(w: Write, key: string, recurse: boolean, cas?: number): boolean {
  stamp(w);
  if (cas !== undefined) {
    const old = w.dc.kv.get(key);
    if (cas === 0 || old?.ModifyIndex !== cas) return false;
  }
  const doomed = recurse ? [...w.dc.kv.keys()].filter((k) => k.startsWith(key)) : [key];
  for (const k of doomed) {
    if (w.dc.kv.delete(k)) bury(w, `kv:${k}`);
  }
  return true;
}
