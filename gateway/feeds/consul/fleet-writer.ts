/**
 * Ops overrides written to the place of record: every control datacenter, in parallel, each by
 * check-and-set so concurrent writers (any gateway's admin API) never lose each other's write.
 * In each datacenter: make sure the sentinel exists (cas=0), read the site's record and its
 * ModifyIndex (the leader's view: a stale index would only lose the race), write the next
 * record (one generation above both that record's and what this gateway knows) with
 * `cas=<ModifyIndex>` (0 when absent), and on a lost race wait a little (random, growing: the
 * writers spread out) and read again, up to ATTEMPTS times;
 * then append the record to `<prefix>/audit/` and trim the history to `auditEntries`.
 *
 * The override is stored fleet-wide once one control datacenter holds it (every gateway reads
 * them all and the newest generation wins); the receipt names where it is and where not, and
 * why. Writes use the caller's token when given (an operator's `X-Consul-Token`): the
 * gateways' own tokens are read-only on the flags (deploy/consul/acl-gateway.hcl).
 */
import { randomBytes, randomInt } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import {
  answerJson,
  type ConsulHttp,
  ConsulStatusError,
} from "../../../health/consul/consul-http.ts";
import {
  type OverrideAction,
  type OverrideRecord,
  recordFor,
} from "../../state/override-record.ts";
import {
  auditPrefix,
  flagKey,
  kvFile,
  readRecord,
  recordDocument,
  sentinelKey,
} from "./fleet-document.ts";

const ATTEMPTS = 10;
/** Audit records deleted per write at most (the rest go with the next writes). */
const TRIM_PER_WRITE = 50;

export interface FleetTarget {
  readonly http: ConsulHttp;
  readonly prefix: string;
  readonly datacenters: readonly string[];
  /** This gateway's name, recorded as `via`. */
  readonly via: string;
  readonly auditEntries: number;
}

export interface FleetWrite {
  readonly site: string;
  readonly action: OverrideAction;
  /** The highest generation this gateway has seen for the site. */
  readonly knownGeneration: number;
  /** A token for the writes (an operator's); default the gateway's own. */
  readonly token?: string | undefined;
}

export interface FleetReceipt {
  readonly storedIn: readonly string[];
  readonly notStoredIn: readonly { readonly datacenter: string; readonly reason: string }[];
  /** The record with the highest generation written (undefined when none was). */
  readonly record: OverrideRecord | undefined;
}

export async function writeFleetOverride(
  target: FleetTarget,
  write: FleetWrite,
): Promise<FleetReceipt> {
  const results = await Promise.allSettled(
    target.datacenters.map((dc) => storeIn(target, write, dc)),
  );
  const storedIn: string[] = [];
  const notStoredIn: { datacenter: string; reason: string }[] = [];
  let record: OverrideRecord | undefined;
  results.forEach((result, i) => {
    const datacenter = target.datacenters[i] ?? "";
    if (result.status === "rejected") {
      notStoredIn.push({ datacenter, reason: (result.reason as Error).message });
      return;
    }
    storedIn.push(datacenter);
    if (!record || result.value.generation > record.generation) record = result.value;
  });
  return { storedIn, notStoredIn, record };
}

interface Kv {
  get(key: string): Promise<{ value: string; modifyIndex: number } | undefined>;
  put(key: string, value: string, cas: number): Promise<boolean>;
  keys(prefix: string): Promise<string[]>;
  del(key: string): Promise<void>;
}

async function storeIn(
  target: FleetTarget,
  write: FleetWrite,
  dc: string,
): Promise<OverrideRecord> {
  const kv = kvIn(target.http, dc, write.token);
  const { prefix } = target;
  const key = flagKey(prefix, write.site);
  // The sentinel is looked for beside the first read of the record (one round trip, not two).
  const [sentinel, first] = await Promise.all([kv.get(sentinelKey(prefix)), kv.get(key)]);
  if (!sentinel)
    await kv.put(sentinelKey(prefix), JSON.stringify({ fleet: prefix, by: target.via }), 0);
  let current = first;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (attempt > 0) {
      await sleep(randomInt(1, 10 * attempt + 2));
      current = await kv.get(key);
    }
    const held = current ? readRecord(kvFile(key), current.value).value : undefined;
    const record = recordFor(held, write.action, write.knownGeneration);
    if (await kv.put(key, recordDocument(record, target.via), current?.modifyIndex ?? 0)) {
      // The history is not on the override's path: it is appended after the answer's write.
      void appendAudit(kv, target, write.site, record).catch(() => undefined);
      return record;
    }
  }
  throw new Error(`lost ${ATTEMPTS} check-and-set races in a row; try again`);
}

async function appendAudit(
  kv: Kv,
  target: FleetTarget,
  site: string,
  record: OverrideRecord,
): Promise<void> {
  const folder = auditPrefix(target.prefix);
  const name = `${String(record.atMs).padStart(13, "0")}-${site}-${randomBytes(3).toString("hex")}`;
  await kv.put(
    `${folder}${name}`,
    JSON.stringify({ site, ...JSON.parse(recordDocument(record, target.via)) }),
    0,
  );
  const keys = (await kv.keys(folder)).sort();
  const excess = keys.slice(
    0,
    Math.max(0, Math.min(TRIM_PER_WRITE, keys.length - target.auditEntries)),
  );
  for (const key of excess) await kv.del(key);
}

/** The few KV calls the writer makes, in one datacenter, with one token. */
function kvIn(http: ConsulHttp, dc: string, token: string | undefined): Kv {
  const path = (key: string) => `/v1/kv/${key.split("/").map(encodeURIComponent).join("/")}`;
  const call = async (
    method: "GET" | "PUT" | "DELETE",
    key: string,
    query: object,
    body?: string,
  ) => {
    const answer = await http.call({
      method,
      path: path(key),
      query: { ...query, dc },
      token,
      ...(body !== undefined && { body }),
    });
    if (answer.status === 403)
      throw new ConsulStatusError(`${method} ${key} in ${dc}: permission denied`, answer);
    return answer;
  };
  return {
    get: async (key) => {
      const answer = await call("GET", key, {});
      if (answer.status === 404) return undefined;
      if (answer.status !== 200) throw new ConsulStatusError(`GET ${key} in ${dc}`, answer);
      const [pair] = answerJson<{ Value: string | null; ModifyIndex: number }[]>(answer, key);
      const value = Buffer.from(pair?.Value ?? "", "base64").toString("utf8");
      return { value, modifyIndex: Number(pair?.ModifyIndex ?? 0) };
    },
    put: async (key, value, cas) => {
      const answer = await call("PUT", key, { cas }, value);
      if (answer.status !== 200) throw new ConsulStatusError(`PUT ${key} in ${dc}`, answer);
      return answer.text.trim() === "true";
    },
    keys: async (prefix) => {
      const answer = await call("GET", prefix, { keys: true });
      if (answer.status === 404) return [];
      if (answer.status !== 200) throw new ConsulStatusError(`GET ${prefix}?keys in ${dc}`, answer);
      return answerJson<string[]>(answer, prefix).slice(0, 100_000);
    },
    del: async (key) => {
      const answer = await call("DELETE", key, {});
      if (answer.status !== 200) throw new ConsulStatusError(`DELETE ${key} in ${dc}`, answer);
    },
  };
}
