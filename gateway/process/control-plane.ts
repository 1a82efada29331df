/**
 * A gateway's control plane: the one owner of its routing state. Every input feeds it here —
 * config files (reload on SIGHUP or change), active probes, the passive observations its data
 * planes report, Consul (discovery, coordinates, KV, registration) — and every change goes to
 * every data plane (followers.ts). The admin API lives here too, so it answers for the whole
 * gateway, also while a worker is being replaced. In a served gateway this is the cluster
 * primary; in tests and the demo world it runs beside one data plane in the same process.
 */

import type { Logger } from "pino";
import type { MetricObjectWithValues, MetricValue } from "prom-client";
import type { ConsulConnection } from "../../health/consul/consul-connection.ts";
import { consulHttp } from "../../health/consul/consul-http.ts";
import { DEFAULT_PROBE_SETTINGS } from "../../health/probes/probe-settings.ts";
import type { CatalogueConfig } from "../../routing-tables/catalogue-schema.ts";
import type { ClientLocation } from "../../routing-tables/client.ts";
import type { Random } from "../../routing-tables/decide.ts";
import type { PolicyConfig } from "../../routing-tables/policy-schema.ts";
import { type AdminContext, createAdminServer } from "../admin/admin-api.ts";
import type { BootConfig } from "../config/boot-schema.ts";
import { activeProbes } from "../feeds/active-probes.ts";
import { configReloader, type Reloader } from "../feeds/config-reloader.ts";
import { type ConsulWiring, startConsulWiring } from "../feeds/consul/consul-wiring.ts";
import { passiveHealth } from "../feeds/passive-health.ts";
import type { Observation } from "../forward/observation.ts";
import { listen, urlOf } from "../server/listen.ts";
import { GatewayMetrics } from "../state/metrics.ts";
import { RoutingState } from "../state/routing-state.ts";
import { publishSnapshotGauges } from "../state/snapshot-gauges.ts";
import { startTlsControl } from "../tls/tls-control.ts";
import { probeTls } from "../tls/upstream-tls.ts";
import { consulFleet } from "../ui/consul-fleet.ts";
import { BreakerBoard } from "./breaker-board.ts";
import { startDnsEndpoint } from "./dns-endpoint.ts";
import { Followers } from "./followers.ts";
import { countedOverrides, overrideStorer, startOverrideBook } from "./ops-overrides.ts";
import { workerAsks } from "./worker-asks.ts";

export interface ControlPlaneOptions {
  readonly boot: BootConfig;
  readonly catalogue: CatalogueConfig;
  readonly policy: PolicyConfig;
  readonly logger: Logger;
  readonly now?: () => number;
  readonly adminToken?: string | undefined;
  /**
   * Where Consul is: sites with a `consul` service get their backends from it, and with
   * `consul.kvPrefix` ops overrides are stored fleet-wide in the control datacenters.
   */
  readonly consul?: ConsulConnection;
  /** Reload the catalogue and policy files on SIGHUP (`reload()`) and, if `watch`, on change. */
  readonly configFiles?: { readonly watch: boolean; readonly policyFromFile: boolean };
  /** Client location, for what-if rows given as addresses (`POST /simulate`). */
  readonly locate?: (address: string) => ClientLocation;
  /** Told of every observation the data planes report (tests and benchmarks listen here). */
  readonly onObservation?: (observation: Observation) => void;
  /** The random source of DNS answers' weighted draws; default Math.random. */
  readonly random?: Random;
}

export interface ControlPlane {
  readonly state: RoutingState;
  readonly metrics: GatewayMetrics;
  readonly followers: Followers;
  readonly adminUrl: string;
  /** The DNS-answer endpoint for PowerDNS (`…/dns`), when the boot enables it. */
  readonly dnsUrl?: string;
  /** The whole gateway's metrics as registry JSON (the demo world merges sixteen). */
  metricsJson(): Promise<MetricObjectWithValues<MetricValue<string>>[]>;
  /** The admin API's context (the demo world mounts it behind its own front). */
  readonly admin: AdminContext;
  ready(): { ready: boolean; reason: string };
  /** SIGHUP: the config files again, and every data plane's GeoIP database. */
  reload(): void;
  /** Readiness turns 503 and every data plane starts its graceful drain. */
  beginDrain(graceMs: number): void;
  /** Every data plane cuts its connections now. */
  stopNow(): void;
  /** Registers with the Consul agent, once data planes listen at `url`. */
  register(url: string): Promise<void>;
  /** Stops the feeds and the admin API (after the data planes are gone). */
  close(): Promise<void>;
}

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const { boot, logger } = options;
  const clock = options.now ?? Date.now;
  const metrics = new GatewayMetrics();
  const state = new RoutingState({ catalogue: options.catalogue, policy: options.policy }, clock);
  metrics.trackRoutingState(state);
  state.subscribe((snapshot) => publishSnapshotGauges(metrics, snapshot, boot.site));
  publishSnapshotGauges(metrics, state.snapshot, boot.site);
  const board = new BreakerBoard();
  const observe = (observation: Observation) => {
    health?.observe(observation);
    options.onObservation?.(observation);
  };
  const followers = new Followers(state, {
    onObservations: (member, batch) => {
      for (const observation of batch) {
        if (observation.kind !== "breaker") observe(observation);
        else {
          const worst = board.report(member, observation);
          if (worst) observe({ kind: "breaker", ...worst });
        }
      }
    },
    onLeave: (member) => {
      for (const worst of board.drop(member)) observe({ kind: "breaker", ...worst });
    },
  });
  // Before any feed starts: a certificate that never passed its checks fails the start here.
  const tls = startTlsControl({
    tls: boot.tls,
    catalogueFile: boot.catalogue,
    catalogue: () => state.catalogue,
    publish: (message) => followers.send(message),
    registry: metrics.registry,
    logger,
    now: clock,
  });
  followers.setPreamble(() => tls.preamble());
  // Fleet sites come from Consul, not the file: their upstream TLS is read as they arrive.
  state.subscribe((_snapshot, change) => {
    if (!change.fleetSites) return;
    for (const error of tls.vetCatalogue(state.catalogue))
      logger.error({ error: error.message, path: error.path }, "fleet site's upstream TLS refused");
  });
  const health = boot.health.passive
    ? passiveHealth(
        state,
        () => followers.load(),
        boot.health.evaluateIntervalMs,
        clock,
        boot.health.maxEjectionPercent,
      )
    : undefined;
  const name = boot.name ?? `gw-${boot.site}`;
  const { enabled: probing, ...probeSettings } = boot.probes;
  const probes =
    health && probing
      ? activeProbes(boot.site, `1.1 ${name}`, state, health, probeSettings, (siteId, backend) =>
          probeTls(tls.upstreamTls(siteId), backend),
        )
      : undefined;
  const book = startOverrideBook(boot, state, metrics, logger, clock);
  // One Consul client for all of the gateway's Consul work (it closes with the wiring).
  const consulClient = options.consul && consulHttp(options.consul);
  const consul: ConsulWiring | undefined = consulClient
    ? startConsulWiring({
        http: consulClient,
        boot,
        name,
        state,
        book,
        metrics,
        logger,
        probe: { ...DEFAULT_PROBE_SETTINGS, ...probeSettings },
        clock,
      })
    : undefined;
  const reloader: Reloader | undefined = options.configFiles
    ? configReloader(
        boot,
        state,
        metrics,
        logger,
        options.configFiles.watch,
        options.configFiles.policyFromFile,
        (catalogue) => tls.vetCatalogue(catalogue),
      )
    : undefined;

  const { registry: gatewayRegistry, asks } = workerAsks(followers, metrics);
  let shuttingDown = false;
  const ready = () => {
    if (shuttingDown) return { ready: false, reason: "shutting down" };
    if (followers.listening().length === 0) return { ready: false, reason: "no worker serving" };
    const local = state.snapshot.sites[state.snapshot.siteIndex.get(boot.site) ?? -1];
    if (!local) return { ready: false, reason: `site ${boot.site} is not in the catalogue` };
    if (local.state !== "healthy" && local.state !== "degraded")
      return { ready: false, reason: `local site is ${local.state}` };
    return { ready: true, reason: "snapshot loaded, local site usable" };
  };
  // Fleet mode's gateways: every datacenter's, from Consul (gateway/ui/README.md).
  const fleetSettings = { ...boot.ui.fleet, maxDatacenters: boot.ui.fleet.maxGateways };
  const fleet = consulClient && consulFleet(consulClient, fleetSettings);
  const admin: AdminContext = {
    ingress: boot.site,
    state,
    logger,
    token: options.adminToken,
    hostNames: boot.admin.hostNames,
    isReady: ready,
    ...asks,
    workers: () => followers.members(),
    ui: { settings: boot.ui, ...(fleet && { fleet: fleet.members }) },
    tlsStatus: () => tls.status(),
    ...(options.locate && { locate: options.locate }),
    overrideRecords: book.view,
    ...(consul?.fleet && { fleetStatus: consul.fleet.status }),
    ...(consul && { consulStatus: consul.status }),
    ...(probes && {
      probeLatency: () =>
        Object.fromEntries(
          state.snapshot.sites.map((site) => [
            site.id,
            probes.tracker.percentiles(site.id) ?? null,
          ]),
        ),
    }),
    applyOverride: countedOverrides(
      overrideStorer({ boot, state, followers, book, fleet: consul?.fleet, clock }),
      metrics,
    ),
  };
  const server = createAdminServer(admin);
  await listen(server, boot.admin.port, boot.admin.host, false, false);
  const adminUrl = urlOf(server);
  const random = options.random ?? Math.random;
  const dns = await startDnsEndpoint({ boot, state, metrics, logger, random, now: clock }).catch(
    (error: Error) => {
      server.close();
      throw error;
    },
  );
  return {
    state,
    metrics,
    followers,
    adminUrl,
    ...(dns && { dnsUrl: dns.url }),
    admin,
    metricsJson: async () => (await gatewayRegistry()).getMetricsAsJSON(),
    ready,
    reload: () => {
      tls.reload();
      reloader?.reload();
      dns?.reload();
      followers.send({ kind: "geoip-reload" });
    },
    beginDrain: (graceMs) => {
      shuttingDown = true;
      followers.send({ kind: "drain", graceMs });
    },
    stopNow: () => followers.send({ kind: "stop-now" }),
    register: async (url) => consul?.register(url, adminUrl),
    close: async () => {
      tls.close();
      reloader?.close();
      health?.stop();
      await probes?.stop();
      await consul?.stop();
      await dns?.close();
      book.close();
      await fleet?.close();
      // Every connection cut as the listener closes: an ops view event stream never ends
      // by itself, and the data planes, whose state it shows, are gone already.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
