/**
 * One gateway process: the routing state, upstream pools and breakers, the data-plane server
 * and the admin server, wired together. `shutdown` is SIGTERM's path: readiness turns 503,
 * new connections are still served for `limits.shutdownDelayMs` (while checkers and the
 * anycast announcer take the site out), then none; in-flight requests finish within the grace
 * period, then everything closes.
 */
import type { Duplex } from "node:stream";
import type Consul from "consul";
import pino, { type Logger } from "pino";
import type { ConsulConnection } from "../../health/consul/consul-queries.ts";
import type { CatalogueConfig } from "../../routing-tables/catalogue-schema.ts";
import type { ClientLocation } from "../../routing-tables/client.ts";
import type { PolicyConfig } from "../../routing-tables/policy-schema.ts";
import type { OpsOverride } from "../../routing-tables/snapshot.ts";
import { createAdminServer } from "../admin/admin-api.ts";
import { createTrustedProxies } from "../client-facts/trusted-proxies.ts";
import type { BootConfig } from "../config/boot-schema.ts";
import { activeProbes } from "../feeds/active-probes.ts";
import { startConsulWiring } from "../feeds/consul/consul-wiring.ts";
import { passiveHealth } from "../feeds/passive-health.ts";
import type { Observation } from "../forward/observation.ts";
import { RetryBudget } from "../forward/retry-policy.ts";
import { Upstreams } from "../forward/upstreams.ts";
import { connectionRefusals } from "../server/connection-refusals.ts";
import { createGatewayServer } from "../server/create-server.ts";
import { type HandlerContext, handleRequest } from "../server/handle-request.ts";
import { listen, urlOf } from "../server/listen.ts";
import { upgradeHandler } from "../server/upgrade-handler.ts";
import { GatewayMetrics } from "../state/metrics.ts";
import { RoutingState } from "../state/routing-state.ts";
import { publishSnapshotGauges } from "../state/snapshot-gauges.ts";

export interface GatewayOptions {
  readonly boot: BootConfig;
  readonly catalogue: CatalogueConfig;
  readonly policy: PolicyConfig;
  /** Client location by address; default: every location unknown. */
  readonly locate?: (address: string) => ClientLocation;
  readonly logger?: Logger;
  readonly random?: () => number;
  readonly now?: () => number;
  readonly adminToken?: string;
  /** Where ops overrides go; default: this gateway's own state. */
  readonly applyOverride?: (
    siteId: string,
    override: OpsOverride | undefined,
  ) => void | Promise<void>;
  /** A Consul client: sites with a `consul` service get their backends from it. */
  readonly consul?: Consul;
  /** Where that client connects (for the one endpoint it lacks: network coordinates). */
  readonly consulConnection?: ConsulConnection;
  /** Share the listening port with sibling processes (SO_REUSEPORT, Linux). */
  readonly reusePort?: boolean;
  /**
   * Told of every passive health observation: breaker state changes and each try's outcome.
   * The health layer turns these into site states (the seam the health issue plugs into).
   */
  readonly onObservation?: (observation: Observation) => void;
}

export interface RunningGateway {
  readonly url: string;
  readonly adminUrl: string;
  readonly state: RoutingState;
  readonly upstreams: Upstreams;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  ready(): { ready: boolean; reason: string };
  shutdown(graceMs?: number): Promise<void>;
}

const unknownLocation = (): ClientLocation => ({});

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { boot } = options;
  // Logs go to stdout through a buffer (4 KiB, async): a write per line costs ~15 µs a request.
  // It is flushed after start-up, every second, and by shutdown().
  const logger =
    options.logger ??
    pino(
      { level: boot.log.level, base: { site: boot.site } },
      pino.destination({ dest: 1, sync: false, minLength: 4096 }),
    );
  const random = options.random ?? Math.random;
  const clock = options.now ?? Date.now;
  const metrics = new GatewayMetrics();
  const state = new RoutingState({ catalogue: options.catalogue, policy: options.policy }, clock);
  metrics.trackRoutingState(state);
  const upstreams = new Upstreams({
    pool: boot.upstream,
    siteBreaker: boot.breakers.site,
    backendBreaker: { ...boot.breakers.backend, capacity: boot.breakers.backendCapacity },
    onBreaker: (scope, id, breakerState) => {
      metrics.breakerChanged(scope, id, breakerState);
      const observation = { kind: "breaker", scope, id, state: breakerState } as const;
      health?.observe(observation);
      options.onObservation?.(observation);
      logger.warn({ scope, id, breaker: breakerState }, "breaker");
    },
  });
  // One retry budget for the whole gateway, sized by the policy defaults (as Envoy: 20%, at
  // least 3) and resized, counters kept, when a reload changes them.
  const budget = new RetryBudget(options.policy.defaults.retry);
  const onSnapshot = () => {
    void upstreams.sync(state.snapshot.sites);
    budget.resize(state.inputs.policy.defaults.retry);
    publishSnapshotGauges(metrics, state.snapshot, boot.site);
  };
  state.subscribe(onSnapshot);
  onSnapshot();
  const health = boot.health.passive
    ? passiveHealth(state, upstreams, boot.health.evaluateIntervalMs, clock)
    : undefined;
  const name = boot.name ?? `gw-${boot.site}`;
  const via = `1.1 ${name}`;
  const { enabled: probing, ...probeSettings } = boot.probes;
  const probes =
    health && probing ? activeProbes(boot.site, via, state, health, probeSettings) : undefined;
  const consul = options.consul
    ? startConsulWiring(
        options.consul,
        options.consulConnection,
        boot,
        name,
        state,
        metrics,
        logger,
        clock,
      )
    : undefined;

  const locate = options.locate ?? unknownLocation;
  const context: HandlerContext = {
    ingress: boot.site,
    via,
    state,
    proxy: {
      upstreams,
      budget,
      random,
      onTry: (site, backend, outcome, elapsedMs) => {
        metrics.tryEnded(site, outcome ? outcome.kind : "ok");
        const observation = { kind: "try", site, backend: backend.id, outcome, elapsedMs } as const;
        health?.observe(observation);
        options.onObservation?.(observation);
      },
      onBudgetExhausted: () => metrics.budgetExhausted.inc(),
      onRetry: () => metrics.retries.inc(),
    },
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
    random,
    forwardedMemo: new Map(),
  };
  const upgrade = upgradeHandler(context, upstreams);
  const upgraded = new Set<Duplex>();
  let shuttingDown = false;
  // handleRequest counts each request in the retry budget until its response closes; that
  // count of active requests is also the drain's.
  const server = createGatewayServer(boot.limits, {
    request: (req, res) => {
      if (shuttingDown) res.shouldKeepAlive = false;
      void handleRequest(req, res, context);
    },
    upgrade: (req, socket, head) => {
      // Upgraded sockets leave the server's books; keep them so a drain can end them.
      upgraded.add(socket);
      socket.once("close", () => upgraded.delete(socket));
      upgrade(req, socket, head);
    },
    refused: connectionRefusals(metrics, logger, boot.limits.maxConnections),
  });
  const ready = () => {
    if (shuttingDown) return { ready: false, reason: "shutting down" };
    const local = state.snapshot.sites[state.snapshot.siteIndex.get(boot.site) ?? -1];
    if (!local) return { ready: false, reason: `site ${boot.site} is not in the catalogue` };
    if (local.state !== "healthy" && local.state !== "degraded")
      return { ready: false, reason: `local site is ${local.state}` };
    return { ready: true, reason: "snapshot loaded, local site usable" };
  };
  const admin = createAdminServer({
    ingress: boot.site,
    state,
    upstreams,
    metrics,
    logger,
    token: options.adminToken,
    hostNames: boot.admin.hostNames,
    locate,
    isReady: ready,
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
    applyOverride:
      options.applyOverride ??
      consul?.writeOverride ??
      ((site: string, override: OpsOverride | undefined) => void state.setOverride(site, override)),
  });
  await listen(server, boot.listen.port, boot.listen.host, options.reusePort === true);
  await listen(admin, boot.admin.port, boot.admin.host, false, true);
  logger.info({ url: urlOf(server), admin: urlOf(admin) }, "gateway listening");
  await consul?.register(urlOf(server), urlOf(admin));
  // The log buffer is flushed now and every second, so no line waits long in a quiet hour.
  logger.flush();
  const flusher = setInterval(() => logger.flush(), 1_000);
  flusher.unref();

  let stopped: Promise<void> | undefined;
  let endDelay: (() => void) | undefined;
  const drain = async (graceMs: number) => {
    // Readiness is 503 already; keep serving new connections while the checkers notice.
    // A second shutdown call ends the wait at once.
    const delayMs = boot.limits.shutdownDelayMs;
    if (delayMs > 0)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        endDelay = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    endDelay = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const deadline = Date.now() + graceMs;
    while (budget.stats().activeRequests > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    server.closeAllConnections();
    for (const socket of upgraded) socket.destroy();
    await closed;
    await new Promise<void>((resolve) => admin.close(() => resolve()));
    admin.closeAllConnections();
    await upstreams.close();
    logger.info({ inFlightLeft: budget.stats().activeRequests }, "gateway stopped");
    clearInterval(flusher);
    health?.stop();
    await probes?.stop();
    await consul?.stop();
    await new Promise<void>((resolve) => logger.flush(() => resolve()));
  };
  // A second call ends the shutdown delay, then waits for the first drain to finish.
  const shutdown = (graceMs = boot.limits.shutdownGraceMs): Promise<void> => {
    shuttingDown = true;
    endDelay?.();
    stopped ??= drain(graceMs);
    return stopped;
  };
  return {
    url: urlOf(server),
    adminUrl: urlOf(admin),
    state,
    upstreams,
    metrics,
    logger,
    ready,
    shutdown,
  };
}
