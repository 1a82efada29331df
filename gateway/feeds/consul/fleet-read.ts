/**
 * One control datacenter's fleet prefix as a query for blockingLoop: `GET /v1/kv/<prefix>/
 * ?recurse&dc=<control>&stale&index=&wait=`, sent to the local agent, which forwards it over
 * the WAN. What an answer means:
 *
 * - 200 or 404 with X-Consul-Index, the sentinel among the pairs: the prefix as it is.
 * - 200 or 404 with X-Consul-Index, no sentinel: **not visible** (an ACL filtering the list
 *   answers exactly like an empty prefix; so does a datacenter that lost or never had the
 *   data). It blocks on like any answer, and changes nothing.
 * - 403: not visible (the token may not list the prefix); no index, so it is a failure.
 * - anything else (a 5xx, no X-Consul-Index, no answer): a failure, which changes nothing.
 */
import type { BlockingAnswer } from "../../../health/consul/blocking-loop.ts";
import {
  answerJson,
  blockingRead,
  type ConsulHttp,
  ConsulStatusError,
} from "../../../health/consul/consul-http.ts";
import { answerMeta } from "../../../health/consul/consul-queries.ts";
import { type FleetContent, type KvEntry, readFleetContent } from "./fleet-document.ts";

export type FleetView =
  | { readonly visible: true; readonly content: FleetContent }
  | { readonly visible: false; readonly reason: string };

/** Consul refused to show the prefix (403): not visible, and said so. */
export class FleetDeniedError extends Error {}

type RawPair = { readonly Key: string; readonly Value: string | null };

export function fleetPrefixQuery(
  http: ConsulHttp,
  prefix: string,
  datacenter: string,
  waitMs: number,
) {
  const path = `/v1/kv/${prefix.split("/").map(encodeURIComponent).join("/")}/`;
  return async (index: number, signal: AbortSignal): Promise<BlockingAnswer<FleetView>> => {
    const answer = await blockingRead(http, {
      path,
      query: { recurse: true },
      datacenter,
      index,
      waitMs,
      signal,
    });
    const what = `the fleet prefix in ${datacenter}`;
    if (answer.status === 403)
      throw new FleetDeniedError(`${what}: permission denied (403 ${answer.text.slice(0, 120)})`);
    if ((answer.status !== 200 && answer.status !== 404) || answer.index === undefined)
      throw new ConsulStatusError(what, answer);
    const pairs = answer.status === 404 ? [] : answerJson<RawPair[]>(answer, what);
    if (!Array.isArray(pairs)) throw new ConsulStatusError(`${what}: not a list`, answer);
    const entries: KvEntry[] = pairs.map((p) => ({
      key: String(p.Key),
      value: p.Value === null ? null : Buffer.from(String(p.Value), "base64").toString("utf8"),
    }));
    const content = readFleetContent(entries, prefix);
    const body: FleetView = content.sentinel
      ? { visible: true, content }
      : {
          visible: false,
          reason: `no ${prefix}/sentinel in the answer (hidden by ACLs, or never bootstrapped)`,
        };
    return { ...answerMeta(answer), body };
  };
}
