/**
 * The KV writes (api-docs/kv, Create/Update Key and Delete Key) on one datacenter's state, as
 * agent/consul/state/kvs.go applies them.
 */
import { bury, stamp, type Write } from "./state.ts";

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((byte, i) => byte === b[i]);

/**
 * PUT /v1/kv/:key: `cas` 0 writes only if the key is absent; any other value only if it
 * equals the key's ModifyIndex. Every attempt is a Raft apply, so it takes an index even when
 * the check-and-set fails; a write of the value and flags the key already holds changes
 * nothing (its ModifyIndex stays: kvsSetTxn skips an equal entry), so it wakes no one.
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
  if (old !== undefined && old.Flags === flags && sameBytes(old.Value, value)) return true;
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
 * DELETE /v1/kv/:key: `recurse` deletes the prefix. With `cas` (kvsDeleteCASTxn): a missing
 * key answers true (there is nothing to protect), a present one is deleted only when `cas` is
 * its ModifyIndex — so `cas=0` never deletes a key that exists.
 */
export function kvDelete(w: Write, key: string, recurse: boolean, cas?: number): boolean {
  stamp(w);
  if (cas !== undefined) {
    const old = w.dc.kv.get(key);
    if (old === undefined) return true;
    if (old.ModifyIndex !== cas) return false;
  }
  const doomed = recurse ? [...w.dc.kv.keys()].filter((k) => k.startsWith(key)) : [key];
  for (const k of doomed) {
    if (w.dc.kv.delete(k)) {
      bury(w, `kv:${k}`);
    }
  }
  return true;
}
