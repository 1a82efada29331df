/**
 * The gateway's KV prefix through the `consul` client (a thin adapter, STYLE.md 10): a
 * blocking query over the whole prefix, and check-and-set writes of one site's flags.
 */
import type Consul from "consul";
import type { BlockingAnswer } from "../../../health/consul/blocking-loop.ts";
import {
  blockingAnswer,
  blockingCall,
  consulHeader,
} from "../../../health/consul/consul-queries.ts";
import type { OpsOverride } from "../../../routing-tables/snapshot.ts";
import { type KvEntry, readFlags } from "./consul-kv-document.ts";

/** One answer's content: the pairs, and whether the answering server knew a leader. */
export interface KvPrefixBody {
  readonly entries: readonly KvEntry[];
  readonly knownLeader: boolean;
}

type RawPair = { readonly Key: string; readonly Value: string | null };

/**
 * `GET /v1/kv/<prefix>/?recurse&dc=&stale&index=&wait=` as a query for blockingLoop. A
 * missing prefix (404) is an empty one, still blocked on through its X-Consul-Index. An
 * answer without that header is not taken as Consul's word (a proxy's 404 must not read as
 * "every flag deleted"): it throws, like any failure, and so changes nothing.
 */
export function kvPrefixQuery(consul: Consul, prefix: string, datacenter: string, waitMs: number) {
  return async (index: number, signal: AbortSignal): Promise<BlockingAnswer<KvPrefixBody>> => {
    // On a 404 the client answers with the response alone: no body.
    const { headers, body } = await blockingCall<RawPair[] | undefined>(
      consul.kv.get,
      consul.kv,
      { key: `${prefix}/`, recurse: true },
      { datacenter, index, waitMs, signal },
    );
    if (consulHeader(headers, "x-consul-index") === undefined) {
      throw new Error("a KV answer without X-Consul-Index");
    }
    const entries = (body ?? []).map((p) => ({ key: p.Key, value: p.Value }));
    const answer = blockingAnswer(headers, entries);
    return { ...answer, body: { entries, knownLeader: answer.knownLeader } };
  };
}

/** The KV key of one site's flags. */
const flagKey = (prefix: string, siteId: string): string => `${prefix}/flags/${siteId}`;

/**
 * Writes one site's ops override to KV with check-and-set, so concurrent writers (every
 * gateway's admin API) never lose each other's write: read the key and its ModifyIndex,
 * write with `cas=<ModifyIndex>` (0 when absent), and on a lost race read again and retry,
 * up to `attempts` times. An override is merged over the flags the key holds (as
 * RoutingState.setOverride merges locally; a malformed document is replaced); `undefined`
 * (restore) deletes the key with cas. Resolves true once written, false when every attempt
 * lost its race; rejects when Consul fails (a 5xx, no leader), having written nothing.
 */
export async function writeOverrideToKv(
  consul: Consul,
  prefix: string,
  datacenter: string,
  siteId: string,
  override: OpsOverride | undefined,
  attempts = 5,
): Promise<boolean> {
  const key = flagKey(prefix, siteId);
  for (let attempt = 0; attempt < attempts; attempt++) {
    // Default consistency (the leader's view): a stale ModifyIndex would only lose the race.
    const current = await consul.kv.get({ key, dc: datacenter });
    if (!override) {
      if (!current) return true; // nothing to restore from
      if (await consul.kv.del({ key, dc: datacenter, cas: current.ModifyIndex })) return true;
      continue;
    }
    const held = current ? readFlags(key, current.Value ?? "").flags : undefined;
    const value = JSON.stringify({ ...held, ...override });
    const cas = current?.ModifyIndex ?? 0;
    if (await consul.kv.set({ key, value, dc: datacenter, cas })) return true;
  }
  return false;
}
