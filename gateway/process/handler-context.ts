/**
 * The request path's context, as a data plane builds it from its boot config and state, and
 * the requests in flight per site it reports to its control plane.
 */
import type { Logger } from "pino";
import type { ClientLocation } from "../../routing-tables/client.ts";
import { createTrustedProxies } from "../client-facts/trusted-proxies.ts";
import type { BootConfig } from "../config/boot-schema.ts";
import type { Upstreams } from "../forward/upstreams.ts";
import type { AccessLog } from "../server/access-log.ts";
import type { HandlerContext } from "../server/handle-request.ts";
import type { GatewayMetrics } from "../state/metrics.ts";
import type { RoutingState } from "../state/routing-state.ts";

export function loadOf(upstreams: Upstreams): Record<string, number> {
  const load: Record<string, number> = {};
  for (const site of upstreams.all()) {
    let inFlight = 0;
    for (const backend of site.backends) inFlight += backend.outstanding;
    if (inFlight > 0) load[site.siteId] = inFlight;
  }
  return load;
}

export function handlerContext(
  boot: BootConfig,
  state: RoutingState,
  locate: (address: string) => ClientLocation,
  random: () => number,
  metrics: GatewayMetrics,
  logger: Logger,
  proxy: HandlerContext["proxy"],
  accessLog: AccessLog,
): HandlerContext {
  return {
    ingress: boot.site,
    via: `1.1 ${boot.name ?? `gw-${boot.site}`}`,
    state,
    proxy,
    locate,
    trusted: createTrustedProxies(boot.trustedProxies),
    clientAddressHeader: boot.clientAddressHeader,
    unknownHostStatus: boot.unknownHostStatus,
    siteHeaders: boot.siteHeaders,
    limits: boot.limits,
    paths: boot.paths,
    allowTrace: boot.allowTrace,
    metrics,
    logger,
    logRequests: boot.log.requests,
    accessLog,
    random,
    forwardedMemo: new Map(),
  };
}
