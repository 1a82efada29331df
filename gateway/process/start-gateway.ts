/**
 * A whole gateway in this process: its control plane and one data plane joined by a direct
 * link — the same two halves `gateway serve` runs as a cluster primary and its workers
 * (supervisor.ts), minus the process boundary. Tests, the demo world and the reaction
 * benchmark use it. `shutdown` is SIGTERM's path: readiness turns 503, the data plane keeps
 * serving for `limits.shutdownDelayMs`, then drains within the grace period.
 */
import pino, { type Logger } from "pino";
import type { ConsulConnection } from "../../health/consul/consul-connection.ts";
import type { CatalogueConfig } from "../../routing-tables/catalogue-schema.ts";
import type { ClientLocation } from "../../routing-tables/client.ts";
import type { PolicyConfig } from "../../routing-tables/policy-schema.ts";
import type { AdminContext } from "../admin/admin-api.ts";
import type { GeoipStatus } from "../client-facts/geoip-source.ts";
import type { BootConfig } from "../config/boot-schema.ts";
import type { Observation } from "../forward/observation.ts";
import type { Upstreams } from "../forward/upstreams.ts";
import type { GatewayMetrics } from "../state/metrics.ts";
import type { RoutingState } from "../state/routing-state.ts";
import { type ControlPlane, startControlPlane } from "./control-plane.ts";
import { startDataPlane } from "./data-plane.ts";
import { directLink } from "./link.ts";

export interface GatewayOptions {
  readonly boot: BootConfig;
  readonly catalogue: CatalogueConfig;
  readonly policy: PolicyConfig;
  /** Client location by address; default: every location unknown. */
  readonly locate?: (address: string) => ClientLocation;
  /** The GeoIP database behind `locate`, for /sites and the metrics (its refused reloads). */
  readonly geoip?: { status(): GeoipStatus };
  readonly logger?: Logger;
  readonly random?: () => number;
  readonly now?: () => number;
  readonly adminToken?: string;
  /** Where Consul is (discovery, coordinates, the place of record); default: no Consul. */
  readonly consul?: ConsulConnection;
  /** Told of every passive health observation: breaker state changes and each try's outcome. */
  readonly onObservation?: (observation: Observation) => void;
}

export interface RunningGateway {
  readonly url: string;
  /** The TLS listener (`https://…`), when the boot enables it. */
  readonly tlsUrl?: string;
  readonly adminUrl: string;
  /** The DNS-answer endpoint for PowerDNS (`…/dns`), when the boot enables it. */
  readonly dnsUrl?: string;
  /** The control plane's state: change it here and the data plane follows at once. */
  readonly state: RoutingState;
  /** The data plane's upstream pools and breakers. */
  readonly upstreams: Upstreams;
  /** SIGHUP's path in the control plane: certificates, upstream TLS, config files, GeoIP. */
  reload(): void;
  /** The control plane's metrics (config, snapshot, Consul gauges). */
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  readonly admin: AdminContext;
  /** The whole gateway's metrics (control and data plane) as registry JSON. */
  readonly metricsJson: ControlPlane["metricsJson"];
  ready(): { ready: boolean; reason: string };
  shutdown(graceMs?: number): Promise<void>;
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { boot } = options;
  const logger = options.logger ?? gatewayLogger(boot);
  const control = await startControlPlane({
    boot,
    catalogue: options.catalogue,
    policy: options.policy,
    logger,
    ...(options.now && { now: options.now }),
    adminToken: options.adminToken,
    ...(options.consul && { consul: options.consul }),
    ...(options.onObservation && { onObservation: options.onObservation }),
    ...(options.locate && { locate: options.locate }),
    ...(options.random && { random: options.random }),
  });
  const link = directLink();
  const starting = startDataPlane({
    boot,
    channel: link.data,
    logger,
    ...(options.locate && { locate: options.locate }),
    ...(options.geoip && { geoip: options.geoip }),
    ...(options.random && { random: options.random }),
    ...(options.now && { now: options.now }),
    reusePort: false,
  });
  control.followers.add(link.control);
  const data = await starting;
  logger.info(
    { url: data.url, ...(data.tlsUrl && { tls: data.tlsUrl }), admin: control.adminUrl },
    "gateway listening",
  );
  await control.register(data.url);
  logger.flush();
  const flusher = setInterval(() => logger.flush(), 1_000);
  flusher.unref();

  let stopped: Promise<void> | undefined;
  const shutdown = (graceMs = boot.limits.shutdownGraceMs): Promise<void> => {
    stopped ??= (async () => {
      control.beginDrain(graceMs);
      await data.drain(graceMs);
      link.close();
      await control.close();
      clearInterval(flusher);
      logger.info("gateway stopped");
      await new Promise<void>((resolve) => logger.flush(() => resolve()));
    })();
    return stopped;
  };
  return {
    url: data.url,
    ...(data.tlsUrl && { tlsUrl: data.tlsUrl }),
    adminUrl: control.adminUrl,
    ...(control.dnsUrl && { dnsUrl: control.dnsUrl }),
    state: control.state,
    upstreams: data.upstreams,
    metrics: control.metrics,
    logger,
    admin: control.admin,
    metricsJson: control.metricsJson,
    ready: control.ready,
    reload: control.reload,
    shutdown,
  };
}

/**
 * The gateway's logger: JSON lines to stdout through a buffer (4 KiB, async) — a write per
 * line costs ~15 µs a request. It is flushed after start-up, every second, and at shutdown.
 */
export function gatewayLogger(boot: BootConfig): Logger {
  return pino(
    { level: boot.log.level, base: { site: boot.site } },
    // At most 16 MiB waiting for stdout: a stalled reader (journald) makes the logger drop
    // lines rather than grow memory without bound.
    pino.destination({ dest: 1, sync: false, minLength: 4096, maxLength: 16 * 1024 * 1024 }),
  );
}
