/**
 * WebSocket and other Upgrade requests, through http-proxy-3 (undici does not do upgrades).
 * The site is chosen as for any request; there is no retry once bytes have flowed, and a
 * failure before the upgrade is answered with a problem on the raw socket.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { createProxyServer } from "http-proxy-3";
import { type ErrorCode, GatewayError } from "../errors/error-catalogue.ts";
import { rawProblem } from "../errors/problem-response.ts";
import { pickBackend, type Upstreams } from "./upstreams.ts";

export interface UpgradeRoute {
  /** Site ids to try in order (from the decision); undefined means refuse with `code`. */
  readonly sites?: readonly string[];
  readonly code?: ErrorCode;
}

export function createUpgradeProxy(
  upstreams: Upstreams,
  random: () => number,
  onError: (error: Error) => void,
  unknownHostStatus: 421 | 404 = 421,
) {
  const proxy = createProxyServer({ xfwd: false, ws: true });
  proxy.on("error", (error, _req, target) => {
    onError(error);
    const socket = target as Duplex | undefined;
    if (socket && "writable" in socket && socket.writable)
      socket.end(rawProblem(new GatewayError("upstream_refused", error.message, { cause: error })));
  });
  return function upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    route: UpgradeRoute,
  ): void {
    socket.on("error", () => socket.destroy());
    for (const siteId of route.sites ?? []) {
      const site = upstreams.site(siteId);
      const backend = site && !site.breaker.isOpen ? pickBackend(site.backends, random) : undefined;
      if (!backend) continue;
      proxy.ws(req, socket, head, { target: `http://${backend.address}` });
      return;
    }
    const refusal = new GatewayError(
      route.code ?? "no_usable_site",
      "no site can take this upgrade now",
      { cause: route },
    );
    socket.end(rawProblem(refusal, { unknownHostStatus }));
  };
}
