/**
 * What a failed try says about the health of what served it (issue 11, "health that clients
 * cannot forge"). The answer is a scope:
 * - `site`: the site could not be reached at all (refused or timed-out connect, unreachable):
 *   no request's content can cause that, so it counts for the backend's breaker and for the
 *   site's breaker (an open site breaker takes the site out);
 * - `backend`: a transport failure after the request left (a reset or a timeout before the
 *   response head, or an error no table knows: unknown is not safe), or an upstream 502/503/
 *   504 that the service's policy counts and that several clients on several paths have seen:
 *   it counts for the backend's breaker and the site's error ratio only;
 * - `none`: the client hung up, a breaker refused (load: saturation has its own signal), or
 *   an upstream status the policy does not count (by default none does: a 5xx is the
 *   application's answer to one request, and any client can ask for it).
 * Anchors: Envoy outlier detection with `split_external_local_origin_errors` (local-origin
 * failures counted apart, `consecutive_local_origin_failure`), `consecutive_gateway_failure`
 * for 502/503/504 rather than `consecutive_5xx`.
 */
import type { FailureWitnesses } from "../../health/failure-witnesses.ts";
import type { PassiveHealthPolicy } from "../../routing-tables/policy-schema.ts";
import { ipv4ToUint32, ipv6Groups } from "../client-facts/ip-bits.ts";
import type { TryOutcome } from "./retry-policy.ts";

export type FailureScope = "none" | "backend" | "site";

/** Where a request came from, for the corroboration of counted statuses. */
export interface TryOrigin {
  /** The client's network (clientNetwork), not its address. */
  readonly client: string;
  /** The path without its query (pathKey). */
  readonly path: string;
  readonly policy: PassiveHealthPolicy;
}

const GATEWAY_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

/** A failed try's scope; `statusCounts` is what countsStatus said of an upstream status. */
export function failureScope(outcome: TryOutcome, statusCounts: boolean): FailureScope {
  switch (outcome.kind) {
    case "connect-failed":
      return "site";
    case "reset-before-response":
    case "timeout-before-response":
    case "reset-after-response":
      return "backend";
    case "status":
      return statusCounts ? "backend" : "none";
    case "circuit-open":
    case "saturated":
    case "client-gone":
      return "none";
  }
}

/**
 * Whether an upstream status counts against the site: the policy must count it, and once it
 * is recorded the site's witnesses must show enough distinct clients and paths.
 */
export function countsStatus(
  status: number,
  origin: TryOrigin | undefined,
  witnesses: FailureWitnesses,
  now: number,
): boolean {
  if (!origin || origin.policy.countStatuses === "none" || !GATEWAY_STATUSES.has(status))
    return false;
  witnesses.record(origin.client, origin.path, now);
  const { minDistinctClients, minDistinctPaths } = origin.policy;
  return witnesses.corroborated(minDistinctClients, minDistinctPaths, now);
}

/** Longest path kept as a witness key, characters (a bound on the witnesses' memory). */
const MAX_PATH_KEY = 256;

/** The request target without its query, at most 256 characters. */
export function pathKey(target: string): string {
  const query = target.indexOf("?");
  return (query < 0 ? target : target.slice(0, query)).slice(0, MAX_PATH_KEY);
}

/**
 * The client's network as one witness: IPv4 /24, IPv6 /64 (what one subscriber or one
 * machine at a hosting provider usually holds); anything else as given, cut to 64 characters.
 */
export function clientNetwork(address: string): string {
  const v4 = ipv4ToUint32(address);
  if (v4 !== undefined) return `${v4 >>> 8}/24`;
  const groups = ipv6Groups(address);
  if (groups) return `${groups.slice(0, 4).join(":")}/64`;
  return address.slice(0, 64);
}
