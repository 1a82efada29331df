/**
 * A data plane: the part of a gateway that serves requests. It follows the routing state its
 * control plane publishes (it never changes it), forwards through its own upstream pools and
 * breakers, and reports what it sees (tries, breakers, requests in flight) back in batches.
 * A served gateway runs one per worker process; tests and the demo run one beside its control
 * plane in the same process. It serves nothing before it has the control plane's full state.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import type { ClientLocation } from "../../routing-tables/client.ts";
import { explainAnswer } from "../admin/explain-answer.ts";
import type { GeoipStatus } from "../client-facts/geoip-source.ts";
import type { BootConfig } from "../config/boot-schema.ts";
import { RetryBudget } from "../forward/retry-policy.ts";
import { upstreamViews } from "../forward/upstream-view.ts";
import { Upstreams } from "../forward/upstreams.ts";
import { AccessLog } from "../server/access-log.ts";
import { connectionRefusals } from "../server/connection-refusals.ts";
import { createGatewayServer } from "../server/create-server.ts";
import { handleRequest } from "../server/handle-request.ts";
import { redirectToHttps } from "../server/https-redirect.ts";
import { listen, urlOf } from "../server/listen.ts";
import { upgradeHandler } from "../server/upgrade-handler.ts";
import { GatewayMetrics } from "../state/metrics.ts";
import { RoutingState } from "../state/routing-state.ts";
import type { TlsMessage } from "../tls/tls-material.ts";
import { TlsCounters } from "../tls/tls-metrics.ts";
import { type Closable, serverDrain } from "./drain.ts";
import { handlerContext, loadOf } from "./handler-context.ts";
import type { Channel, Question, ToControl, ToData } from "./link.ts";
import { observationBatcher } from "./observation-batcher.ts";
import { startTlsListener } from "./tls-listener.ts";

export interface DataPlaneOptions {
  readonly boot: BootConfig;
  readonly channel: Channel<ToControl, ToData>;
  readonly logger: Logger;
  /** Client location by address; default: every location unknown. */
  readonly locate?: (address: string) => ClientLocation;
  /** SIGHUP's share of a data plane: reopen the GeoIP database. */
  readonly onGeoipReload?: () => void;
  /** The GeoIP database behind `locate`: its status for /sites, its counts for the metrics. */
  readonly geoip?: { status(): GeoipStatus };
  readonly random?: () => number;
  readonly now?: () => number;
  /** Share the listening port with sibling workers (SO_REUSEPORT, Linux). */
  readonly reusePort: boolean;
}

export interface DataPlane {
  readonly url: string;
  /** The TLS listener's URL (`https://…`), when the boot enables it. */
  readonly tlsUrl?: string;
  readonly state: RoutingState;
  readonly upstreams: Upstreams;
  readonly metrics: GatewayMetrics;
  /** Graceful: serve for the shutdown delay, stop accepting, let requests finish (grace). */
  drain(graceMs: number): Promise<number>;
  /** Cuts every connection now (also ends a drain's delay and grace). */
  stopNow(): Promise<void>;
}

/** Observations go to the control plane every 50 ms, or at once past 512. */
const FLUSH_MS = 50;
const MAX_BATCH = 512;

const unknownLocation = (): ClientLocation => ({});

export async function startDataPlane(options: DataPlaneOptions): Promise<DataPlane> {
  const { boot, channel, logger } = options;
  const { state, tls } = await firstState(channel, options.now ?? Date.now);
  const random = options.random ?? Math.random;
  const metrics = new GatewayMetrics();
  const { geoip } = options;
  if (geoip) metrics.trackGeoip(() => geoip.status());
  const batcher = observationBatcher({
    flushMs: FLUSH_MS,
    maxBatch: MAX_BATCH,
    load: () => loadOf(upstreams),
    send: (batch, load) => channel.send({ kind: "observations", batch, load }),
  });
  const upstreams = new Upstreams({
    pool: boot.upstream,
    siteBreaker: boot.breakers.site,
    backendBreaker: { ...boot.breakers.backend, capacity: boot.breakers.backendCapacity },
    maxEjectionPercent: boot.health.maxEjectionPercent,
    onBreaker: (scope, id, breakerState) => {
      metrics.breakerChanged(scope, id, breakerState);
      batcher.push({ kind: "breaker", scope, id, state: breakerState });
      logger.warn({ scope, id, breaker: breakerState }, "breaker");
    },
  });
  // One retry budget for the data plane, sized by the policy defaults (as Envoy: 20%, at
  // least 3) and resized, counters kept, when a reload changes them.
  const budget = new RetryBudget(state.inputs.policy.defaults.retry);
  if (tls.upstreams) void upstreams.setTls(tls.upstreams.upstreams);
  const onSnapshot = () => {
    void upstreams.sync(state.snapshot.sites);
    budget.resize(state.inputs.policy.defaults.retry);
  };
  state.subscribe(onSnapshot);
  onSnapshot();
  const locate = options.locate ?? unknownLocation;
  const accessLog = new AccessLog(logger);
  const context = handlerContext(
    boot,
    state,
    locate,
    random,
    metrics,
    logger,
    {
      upstreams,
      budget,
      random,
      onTry: (site, backend, outcome, elapsedMs, failure) => {
        // The time to the response head: every served try, and a try answered with a status.
        const head =
          outcome === undefined || outcome.kind === "status" ? elapsedMs / 1e3 : undefined;
        metrics.tryEnded(site, outcome ? outcome.kind : "ok", head);
        batcher.push({ kind: "try", site, backend: backend.id, outcome, elapsedMs, failure });
      },
      onBudgetExhausted: () => metrics.budgetExhausted(),
      onRetry: (reason) => metrics.retried(reason),
    },
    accessLog,
  );
  const upgrade = upgradeHandler(context, upstreams);
  const drain = serverDrain(boot.limits.shutdownDelayMs, () => budget.stats().activeRequests);
  const handlers = {
    request: (req: IncomingMessage, res: ServerResponse) => {
      if (drain.draining) res.shouldKeepAlive = false;
      void handleRequest(req, res, context);
    },
    upgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      drain.track(socket);
      upgrade(req, socket, head);
    },
    refused: connectionRefusals(metrics, logger, boot.limits.maxConnections),
  };
  const redirectPort =
    boot.tls.enabled && boot.tls.plainHttp === "redirect" && boot.tls.redirectPort;
  const server = createGatewayServer(boot.limits, {
    ...handlers,
    request: (req, res) => {
      if (redirectPort) {
        if (drain.draining) res.shouldKeepAlive = false; // a redirect is an answer like any
        if (redirectToHttps(req, res, context, redirectPort)) return;
      }
      handlers.request(req, res);
    },
  });
  const tlsListener = boot.tls.enabled
    ? await startTlsListener({
        boot,
        handlers,
        material: need(tls.certificates, "certificates").material,
        keys: need(tls.tickets, "session-ticket keys").keys,
        counters: new TlsCounters(metrics.registry),
        logger,
        reusePort: options.reusePort,
      })
    : undefined;
  channel.onMessage((message) => {
    if (message.kind === "tls-certificates") tlsListener?.certificates(message.material);
    else if (message.kind === "tls-tickets") tlsListener?.tickets(message.keys);
    else if (message.kind === "tls-upstreams") void upstreams.setTls(message.upstreams);
    else if (message.kind === "state") {
      state.follow(message.version, message.change);
      channel.send({ kind: "applied", version: state.snapshot.version });
    } else if (message.kind === "geoip-reload") options.onGeoipReload?.();
    else if (message.kind === "drain") void stopping(message.graceMs);
    else if (message.kind === "stop-now") void stopNow();
    else if (message.kind === "ask") answer(message.id, message.question);
  });
  const answer = (id: number, question: Question) => {
    try {
      const reply =
        question.what === "metrics"
          ? metrics.registry.getMetricsAsJSON()
          : question.what === "upstreams"
            ? upstreamViews(upstreams)
            : question.what === "geoip"
              ? (options.geoip?.status() ?? null)
              : explainAnswer(state.snapshot, boot.site, locate, question);
      void Promise.resolve(reply).then((value) =>
        channel.send({ kind: "answer", id, answer: value }),
      );
    } catch (error) {
      channel.send({ kind: "answer", id, error: (error as Error).message });
    }
  };
  await listen(server, boot.listen.port, boot.listen.host, options.reusePort);
  const url = urlOf(server);
  const tlsUrl = tlsListener?.url;
  channel.send({ kind: "listening", url, ...(tlsUrl && { tlsUrl }) });
  channel.send({ kind: "applied", version: state.snapshot.version });

  let stopped: Promise<number> | undefined;
  const stopping = (graceMs: number): Promise<number> => {
    const servers: Closable[] = tlsListener ? [server, tlsListener.closable] : [server];
    stopped ??= drain.run(servers, graceMs).then(async (inFlightLeft) => {
      batcher.stop();
      accessLog.stop();
      await upstreams.close();
      logger.info({ inFlightLeft }, "data plane stopped");
      channel.send({ kind: "drained", inFlightLeft });
      return inFlightLeft;
    });
    return stopped;
  };
  const stopNow = async () => {
    drain.cutShort();
    await stopping(0);
  };
  return { url, ...(tlsUrl && { tlsUrl }), state, upstreams, metrics, drain: stopping, stopNow };
}

/** The TLS messages that came before the full state, the latest of each kind. */
type Preamble = {
  certificates?: Extract<TlsMessage, { kind: "tls-certificates" }>;
  tickets?: Extract<TlsMessage, { kind: "tls-tickets" }>;
  upstreams?: Extract<TlsMessage, { kind: "tls-upstreams" }>;
};

/** The control plane's TLS material, then its full state: the first messages on the channel. */
function firstState(
  channel: Channel<ToControl, ToData>,
  now: () => number,
): Promise<{ state: RoutingState; tls: Preamble }> {
  return new Promise((resolve) => {
    let state: RoutingState | undefined;
    const tls: Preamble = {};
    channel.onMessage((message) => {
      if (state) return;
      if (message.kind === "tls-certificates") tls.certificates = message;
      else if (message.kind === "tls-tickets") tls.tickets = message;
      else if (message.kind === "tls-upstreams") tls.upstreams = message;
      else if (message.kind === "init") {
        state = new RoutingState(message.inputs, now, message.version);
        resolve({ state, tls });
      }
    });
  });
}

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`TLS is on but the control plane sent no ${what}`);
  return value;
}
