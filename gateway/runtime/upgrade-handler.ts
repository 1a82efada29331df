/** Upgrade (WebSocket) requests: decided like any request, then handed to http-proxy-3. */

import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { decide, tryOrder } from "../../routing-tables/decide.ts";
import { clientAddress } from "../client-facts/trusted-proxies.ts";
import type { Upstreams } from "../forward/upstreams.ts";
import { createUpgradeProxy } from "../forward/websocket.ts";
import { requestAuthority } from "../server/authority.ts";
import { forwardingHeaders, requestIdOf } from "../server/forwarding.ts";
import type { HandlerContext } from "../server/handle-request.ts";

export function upgradeHandler(
  context: HandlerContext,
  upstreams: Upstreams,
  onError: (error: Error) => void,
) {
  const upgrade = createUpgradeProxy(upstreams, context.random, onError, context.unknownHostStatus);
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const authority = requestAuthority(req);
    if (!authority.ok) {
      upgrade(req, socket, head, { code: authority.code });
      return;
    }
    const client = clientAddress(
      req.socket.remoteAddress ?? "",
      req.headers,
      context.trusted,
      context.clientAddressHeader,
    );
    const facts = {
      ingress: context.ingress,
      host: authority.host,
      path: authority.path,
      client: context.locate(client.address),
    };
    const decision = decide(context.state.snapshot, facts, context.random);
    if (decision.blocked) {
      upgrade(req, socket, head, { code: decision.blocked });
      return;
    }
    const peer = req.socket.remoteAddress ?? "";
    const peerTrusted = context.trusted.has(peer);
    const headers = forwardingHeaders(req, {
      peer,
      peerTrusted,
      clientAddress: client.address,
      host: authority.host,
      requestId: requestIdOf(req, peerTrusted),
      via: context.via,
    });
    headers.connection = "upgrade";
    if (req.headers.upgrade) headers.upgrade = req.headers.upgrade;
    req.headers = headers as typeof req.headers;
    upgrade(req, socket, head, { sites: tryOrder(decision).map((c) => c.site.id) });
  };
}
