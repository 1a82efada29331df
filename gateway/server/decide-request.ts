/**
 * The front half of every request, plain or upgrade: a valid authority, the client (trusted
 * proxies, GeoIP), and the routing decision; or the stable code it is refused with.
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

export interface DecideContext {
  readonly ingress: string;
  readonly state: RoutingState;
  readonly trusted: TrustedProxies;
  readonly clientAddressHeader: ClientAddressHeader;
  readonly locate: (address: string) => ClientLocation;
  readonly random: () => number;
}

export type Decided =
  | {
      readonly ok: false;
      readonly code: Extract<Authority, { ok: false }>["code"] | BlockCode;
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
  const authority = requestAuthority(req);
  if (!authority.ok) return { ok: false, code: authority.code, detail: authority.detail };
  const client = clientAddress(peer, req.headers, context.trusted, context.clientAddressHeader);
  const facts = {
    ingress: context.ingress,
    host: authority.host,
    path: authority.path,
    client: context.locate(client.address),
  };
  const decision = decide(context.state.snapshot, facts, context.random);
  if (decision.blocked) return { ok: false, code: decision.blocked };
  return {
    ok: true,
    host: authority.host,
    path: authority.path,
    clientAddress: client.address,
    decision,
  };
}
