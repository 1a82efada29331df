/**
 * The front half of every request, plain or upgrade: an allowed method, a valid authority, a
 * canonical path (the one routed and forwarded), the client (trusted proxies, GeoIP), and the
 * routing decision; or the stable code it is refused with.
 */
import type { IncomingMessage } from "node:http";
import type { ClientLocation } from "../../routing-tables/client.ts";
import { type Decision, decide } from "../../routing-tables/decide.ts";
import type { BlockCode } from "../../routing-tables/reason.ts";
import {
  type ClientAddressHeader,
  clientAddress,
  type TrustedProxies,
} from "../client-facts/trusted-proxies.ts";
import type { RoutingState } from "../state/routing-state.ts";
import { type Authority, requestAuthority } from "./authority.ts";
import { normalizePath, type PathRules } from "./normalize-path.ts";

export interface DecideContext {
  readonly ingress: string;
  readonly state: RoutingState;
  readonly trusted: TrustedProxies;
  readonly clientAddressHeader: ClientAddressHeader;
  readonly locate: (address: string) => ClientLocation;
  readonly random: () => number;
  readonly paths: PathRules;
  /** TRACE is answered 405 unless this is true (nginx refuses it too). */
  readonly allowTrace: boolean;
}

export type Decided =
  | {
      readonly ok: false;
      readonly code:
        | Extract<Authority, { ok: false }>["code"]
        | BlockCode
        | "bad_path"
        | "method_not_allowed";
      readonly detail?: string;
    }
  | {
      readonly ok: true;
      readonly host: string;
      readonly path: string;
      readonly clientAddress: string;
      readonly decision: Decision;
    };

export function decideRequest(req: IncomingMessage, peer: string, context: DecideContext): Decided {
  if (req.method === "TRACE" && !context.allowTrace)
    return { ok: false, code: "method_not_allowed", detail: "TRACE is not served here" };
  const authority = requestAuthority(req);
  if (!authority.ok) return { ok: false, code: authority.code, detail: authority.detail };
  const path = normalizePath(authority.path, context.paths);
  if (!path.ok) return { ok: false, code: "bad_path", detail: path.detail };
  const client = clientAddress(peer, req.headers, context.trusted, context.clientAddressHeader);
  const facts = {
    ingress: context.ingress,
    host: authority.host,
    path: path.path,
    client: context.locate(client.address),
  };
  const decision = decide(context.state.snapshot, facts, context.random);
  if (decision.blocked) return { ok: false, code: decision.blocked };
  return {
    ok: true,
    host: authority.host,
    path: path.path,
    clientAddress: client.address,
    decision,
  };
}
