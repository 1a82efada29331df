/**
 * The blocking queries health/ makes, through the one Consul client (consul-http.ts), as
 * queries for blockingLoop. An answer Consul filtered by ACLs is "not visible", never "empty":
 * it throws, so the caller keeps what it knew (a token without `node:read` must not empty a
 * site).
 */
import type { BlockingAnswer } from "./blocking-loop.ts";
import {
  answerJson,
  blockingRead,
  type ConsulAnswer,
  type ConsulHttp,
  ConsulStatusError,
} from "./consul-http.ts";
import type { ConsulHealthEntry } from "./service-health.ts";

/** Consul's staleness headers of an answer, for blockingLoop (index NaN when absent). */
export function answerMeta(answer: ConsulAnswer) {
  return {
    index: answer.index ?? Number.NaN,
    knownLeader: answer.knownLeader ?? false,
    lastContactMs: answer.lastContactMs ?? 0,
  };
}

/** `GET /v1/health/service/:service?dc=&stale&index=&wait=` as a query for blockingLoop. */
export function healthServiceQuery(
  http: ConsulHttp,
  service: string,
  datacenter: string,
  waitMs: number,
) {
  const path = `/v1/health/service/${encodeURIComponent(service)}`;
  return async (
    index: number,
    signal: AbortSignal,
  ): Promise<BlockingAnswer<ConsulHealthEntry[]>> => {
    const answer = await blockingRead(http, { path, datacenter, index, waitMs, signal });
    const what = `health of ${service} in ${datacenter}`;
    if (answer.status !== 200 || answer.index === undefined)
      throw new ConsulStatusError(what, answer);
    if (answer.filteredByAcls)
      throw new ConsulStatusError(`${what}: filtered by ACLs (not visible, not empty)`, answer);
    const body = answerJson<ConsulHealthEntry[]>(answer, what);
    if (!Array.isArray(body)) throw new ConsulStatusError(`${what}: not a list`, answer);
    return { ...answerMeta(answer), body };
  };
}
