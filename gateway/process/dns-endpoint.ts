/**
 * The control plane's DNS-answer listener (boot `dns`), for PowerDNS's remote backend: the
 * answers come from the control plane's own snapshot, so they are as current as the routing
 * state. The GeoIP database is opened here, in the control plane, only when DNS is on (the
 * data planes open their own); SIGHUP reloads it, and a changed file is picked up as in the
 * workers.
 */
import type { Logger } from "pino";
import type { Random } from "../../routing-tables/decide.ts";
import { type GeoipSource, openGeoipSource } from "../client-facts/geoip-source.ts";
import type { BootConfig } from "../config/boot-schema.ts";
import { createDnsServer } from "../dns/dns-server.ts";
import { listen, urlOf } from "../server/listen.ts";
import type { GatewayMetrics } from "../state/metrics.ts";
import type { RoutingState } from "../state/routing-state.ts";

export interface DnsEndpoint {
  /** What PowerDNS's `remote-connection-string=http:url=` names: `http://HOST:PORT/dns`. */
  readonly url: string;
  /** SIGHUP: the GeoIP database again. */
  reload(): void;
  close(): Promise<void>;
}

export interface DnsEndpointOptions {
  readonly boot: BootConfig;
  readonly state: RoutingState;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  readonly random: Random;
  readonly now: () => number;
}

/** Starts the listener when the boot enables DNS; undefined otherwise. */
export async function startDnsEndpoint(
  options: DnsEndpointOptions,
): Promise<DnsEndpoint | undefined> {
  const { boot, state, metrics } = options;
  if (!boot.dns.enabled) return undefined;
  const logger = options.logger.child({ component: "dns" });
  const geoip = boot.geoip ? openGeoip(boot.geoip, logger) : undefined;
  if (!geoip) logger.warn("DNS answers without a GeoIP database: every client's location unknown");
  const server = createDnsServer({
    settings: boot.dns,
    ingress: boot.site,
    serial: Math.floor(options.now() / 1000),
    snapshot: () => state.snapshot,
    ...(geoip && { locateNetwork: (address: string) => geoip.locateNetwork(address) }),
    random: options.random,
    logger,
    onAnswer: (outcome, site) => metrics.dnsAnswer(outcome, site),
  });
  try {
    await listen(server, boot.dns.listen.port, boot.dns.listen.host, false);
  } catch (error) {
    geoip?.close();
    throw error;
  }
  const url = `${urlOf(server)}/dns`;
  logger.info({ url }, "DNS answers listening (PowerDNS remote backend)");
  return {
    url,
    reload: () => void geoip?.reload(),
    close: async () => {
      geoip?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}

function openGeoip(file: string, logger: Logger): GeoipSource {
  return openGeoipSource(file, {
    watch: true,
    onReload: (ok, error) => {
      if (ok) logger.info({ file }, "GeoIP database reloaded");
      else logger.error({ err: error }, "GeoIP reload failed; the last good serves");
    },
  });
}
