/**
 * Routing policy and ops flags from Consul KV, watched with blocking queries (the loop in
 * health/consul/blocking-loop.ts: index rules, back-off, abort) and validated before use.
 * The layout under the prefix is documented in consul-kv-document.ts:
 *
 *   <prefix>/policy          the routing policy, YAML
 *   <prefix>/flags/<siteId>  { "draining"?, "compromised"?, "trafficDialPercent"? } as JSON
 *
 * On each change of content (not of Consul's index fields): the policy, when present, is
 * validated against the current catalogue — a bad one is rejected with every error (file
 * `consul-kv:<prefix>/policy`, line and path) and the last good keeps serving; a good one
 * is swapped in. The overrides become what the flag keys say (nextOverrides: a malformed
 * flag keeps the site's last good flags, a compromise is sticky). A failed query changes
 * nothing. A deleted policy key leaves the last good policy serving.
 */
import type Consul from "consul";
import { blockingLoop } from "../../../health/consul/blocking-loop.ts";
import type { RoutingState } from "../../state/routing-state.ts";
import { type KvApplyHooks, kvApplier } from "./consul-kv-apply.ts";
import { kvPrefixQuery } from "./consul-kv-client.ts";

export { writeOverrideToKv } from "./consul-kv-client.ts";

/** How fresh the KV view is; told after every answer and every failed query. */
export interface KvWatchStatus {
  /** When the last answer arrived (`now()`, ms); undefined before the first. */
  readonly lastAnswerAtMs: number | undefined;
  /** X-Consul-LastContact of the last answer: ms since that server heard from the leader. */
  readonly lastContactMs: number | undefined;
  /** X-Consul-KnownLeader of the last answer. */
  readonly knownLeader: boolean | undefined;
  /** Failed queries since the last answer (0 while Consul answers). */
  readonly consecutiveErrors: number;
  /** The last failed query's error message, until an answer comes. */
  readonly lastError: string | undefined;
}

export interface ConsulKvWatchOptions extends KvApplyHooks {
  readonly consul: Consul;
  /** KV prefix without a trailing slash, e.g. "gateway". */
  readonly prefix: string;
  readonly datacenter: string;
  readonly state: RoutingState;
  readonly signal: AbortSignal;
  readonly onStatus?: (status: KvWatchStatus) => void;
  /** Blocking-query wait, ms. Default 300 000 (Consul's 5 min default; it caps at 10 min). */
  readonly waitMs?: number;
  /** Back-off after failed queries. Default 250 ms doubling up to 30 s, full jitter. */
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number };
  readonly random?: () => number;
  readonly now?: () => number;
}

/** Watches the prefix until `signal` aborts; resolves then. */
export async function watchConsulKv(options: ConsulKvWatchOptions): Promise<void> {
  const { consul, prefix: given, datacenter, state, signal, waitMs = 300_000 } = options;
  const prefix = given.replace(/\/+$/, "");
  const now = options.now ?? Date.now;
  let status: KvWatchStatus = {
    lastAnswerAtMs: undefined,
    lastContactMs: undefined,
    knownLeader: undefined,
    consecutiveErrors: 0,
    lastError: undefined,
  };
  const tell = (change: Partial<KvWatchStatus>) => {
    status = { ...status, ...change };
    options.onStatus?.(status);
  };
  const apply = kvApplier(state, prefix, options);
  await blockingLoop({
    query: kvPrefixQuery(consul, prefix, datacenter, waitMs),
    signal,
    ...(options.backoff && { backoff: options.backoff }),
    ...(options.random && { random: options.random }),
    onAnswer: (answer) =>
      tell({
        lastAnswerAtMs: now(),
        lastContactMs: answer.lastContactMs,
        knownLeader: answer.knownLeader,
        consecutiveErrors: 0,
        lastError: undefined,
      }),
    onError: (error, failures) =>
      tell({ consecutiveErrors: failures, lastError: (error as Error)?.message ?? String(error) }),
    onChange: apply,
  });
}
