/** Upgrade (WebSocket) requests: decided like any request, then handed to http-proxy-3. */

import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { tryOrder } from "../../routing-tables/decide.ts";
import type { Upstreams } from "../forward/upstreams.ts";
import { createUpgradeProxy } from "../forward/websocket.ts";
import { decideRequest } from "./decide-request.ts";
import { forwardingHeaders, requestIdOf } from "./forwarding.ts";
import type { HandlerContext } from "./handle-request.ts";

export function upgradeHandler(
  context: HandlerContext,
  upstreams: Upstreams,
  onError: (error: Error) => void,
) {
  const upgrade = createUpgradeProxy(upstreams, context.random, onError, context.unknownHostStatus);
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const peer = req.socket.remoteAddress ?? "";
    const decided = decideRequest(req, peer, context);
    if (!decided.ok) {
      upgrade(req, socket, head, { code: decided.code });
      return;
    }
    const peerTrusted = context.trusted.has(peer);
    const headers = forwardingHeaders(req, {
      peer,
      peerTrusted,
      clientAddress: decided.clientAddress,
      host: decided.host,
      requestId: requestIdOf(req, peerTrusted),
      via: context.via,
    });
    headers.connection = "upgrade";
    if (req.headers.upgrade) headers.upgrade = req.headers.upgrade;
    req.headers = headers as typeof req.headers;
    upgrade(req, socket, head, { sites: tryOrder(decided.decision).map((c) => c.site.id) });
  };
}
