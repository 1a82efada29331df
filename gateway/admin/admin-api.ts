/**
 * The admin API on its own port: /healthz, /readyz, /metrics, /sites, /tls, /explain, the what-if
 * POST /simulate, and the ops overrides POST /sites/:id/drain|compromise|restore.
 * admin-guard.ts decides who may: Host must name this listener, browsers' cross-origin
 * requests are refused, every change (override, simulate) needs `Authorization: Bearer
 * <token>` (on loopback too), and off loopback reads need it as well. Overrides are logged
 * with who and when; every 500 is logged with its cause.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { ClientLocation } from "../../routing-tables/client.ts";
import type { OpsOverride } from "../../routing-tables/snapshot.ts";
import type { GeoipStatus } from "../client-facts/geoip-source.ts";
import { GatewayError } from "../errors/error-catalogue.ts";
import { sendProblem } from "../errors/problem-response.ts";
import type { SiteUpstreamView } from "../forward/upstream-view.ts";
import { BodyWatch } from "../server/body-watch.ts";
import { readBody } from "../server/request-body.ts";
import type { RoutingState } from "../state/routing-state.ts";
import type { FleetMember } from "../ui/fleet-fetch.ts";
import { type OpsViewRoutes, opsViewRoutes, type UiSettings } from "../ui/ops-view-routes.ts";
import { guardAdmin } from "./admin-guard.ts";
import type { ExplainAnswer, ExplainQuery } from "./explain-answer.ts";
import { MAX_SIMULATE_BODY_BYTES, simulateEndpoint } from "./simulate-endpoint.ts";
import { sitesReport } from "./sites-report.ts";

export { isLoopback } from "./admin-guard.ts";

export interface AdminContext {
  readonly ingress: string;
  readonly state: RoutingState;
  readonly logger: Logger;
  /** The bearer token every mutation needs; undefined: none is allowed. */
  readonly token: string | undefined;
  /** DNS names accepted in Host besides IP literals and localhost (admin.hostNames). */
  readonly hostNames?: readonly string[];
  readonly isReady: () => { ready: boolean; reason: string };
  /** The Prometheus exposition of the whole gateway (control plane and every data plane). */
  readonly scrape: () => Promise<{ contentType: string; body: string }>;
  /** The upstreams over every data plane: worst breakers, summed requests in flight. */
  readonly upstreams: () => Promise<ReadonlyMap<string, SiteUpstreamView>>;
  /** Client location for what-if rows given as addresses; default: every location unknown. */
  readonly locate?: (address: string) => ClientLocation;
  /** The decision for one client, answered where GeoIP is open (a data plane). */
  readonly explain: (query: ExplainQuery) => Promise<ExplainAnswer>;
  /** The gateway's data planes (workers): which snapshot version each serves. */
  readonly workers?: () => readonly unknown[];
  /** Consul discovery per site (staleness), when Consul is configured. */
  readonly consulStatus?: () => readonly unknown[];
  /** Probe latency percentiles per site (from the HDR histograms), when probes run. */
  readonly probeLatency?: () => Readonly<Record<string, unknown>>;
  /** The GeoIP database the data planes read: refused reloads, failed look-ups (null: none). */
  readonly geoipStatus?: () => Promise<GeoipStatus | null>;
  /** Every site's override records (who, when, why, expiry, scope fleet or local). */
  readonly overrideRecords?: () => unknown;
  /** The place of record as this gateway sees it (readable, membership, audit), when configured. */
  readonly fleetStatus?: () => unknown;
  /** The ops view (`/ui`, gateway/ui/): its settings, and the fleet's gateways where known. */
  readonly ui?: {
    readonly settings?: UiSettings;
    readonly fleet?: () => Promise<readonly FleetMember[]>;
  };
  /** Certificates served and refused, ticket keys, upstream TLS sites (never a key). */
  readonly tlsStatus?: () => unknown;
  /**
   * Stores an ops override (fleet-wide in the place of record where configured, else or with
   * `local` on this gateway) and resolves once every data plane of the gateway serves with it,
   * with where it was stored; a failure (not stored, or not confirmed by every worker) is a 503
   * saying which.
   */
  readonly applyOverride: (
    siteId: string,
    override: OpsOverride | undefined,
    request: OverrideRequest,
  ) => Promise<OverrideReceipt | undefined>;
}

/** Who asked for an override, why, until when, and whether for this gateway only. */
export interface OverrideRequest {
  readonly who: string;
  readonly why: string;
  readonly expiresInMs?: number | undefined;
  /** `?local`: this gateway only, labelled so everywhere it shows. */
  readonly local: boolean;
  /** The operator's `X-Consul-Token`, for the write to the place of record. */
  readonly consulToken?: string | undefined;
}

/** Where an override was stored (scope, datacenters), merged into the answer. */
export type OverrideReceipt = Readonly<Record<string, unknown>>;

const ACTIONS: Record<string, OpsOverride | undefined> = {
  drain: { draining: true },
  compromise: { compromised: true },
  restore: undefined,
};

/** A request listener with the ops view's event streams to end (`close`) when its server goes. */
export type AdminListener = ((req: IncomingMessage, res: ServerResponse) => void) & {
  close(): void;
};

/** The admin API as a request listener, to mount on a server of the caller's. */
export function adminRequestListener(context: AdminContext): AdminListener {
  const ui = opsViewRoutes({
    self: context.ingress,
    readSites: () => sitesAnswer(context),
    fleet: context.ui?.fleet,
    settings: context.ui?.settings,
    logger: context.logger,
    subscribe: (onChange) => context.state.subscribe(onChange),
  });
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handleAdmin(req, res, context, ui).catch((error: Error) => {
      context.logger.error({ err: error, path: req.url }, "admin API internal error");
      if (res.headersSent) res.destroy();
      else fail(res, "internal", "internal error (logged)");
    });
  };
  return Object.assign(listener, { close: () => ui.close() });
}

export function createAdminServer(context: AdminContext): Server {
  const listener = adminRequestListener(context);
  return createServer(listener).on("close", () => listener.close());
}

/** The override is in the state of record, but some worker did not confirm it in time. */
export class OverrideNotAppliedError extends Error {}

const unknownLocation = (): ClientLocation => ({});

async function handleAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  context: AdminContext,
  ui: OpsViewRoutes,
): Promise<void> {
  const verdict = guardAdmin(req, { token: context.token, hostNames: context.hostNames ?? [] });
  if (!verdict.ok) return fail(res, verdict.code, verdict.detail);
  const url = new URL(req.url ?? "/", "http://admin");
  const path = url.pathname;
  if (ui.handle(req, res, url)) return;
  if (req.method === "GET" && path === "/healthz") return json(res, 200, { status: "ok" });
  if (req.method === "GET" && path === "/readyz") {
    const { ready, reason } = context.isReady();
    return json(res, ready ? 200 : 503, { ready, reason });
  }
  if (req.method === "GET" && path === "/metrics") {
    const { contentType, body } = await context.scrape();
    res.writeHead(200, { "content-type": contentType, "cache-control": "no-store" });
    res.end(body);
    return;
  }
  if (req.method === "GET" && path === "/sites") return json(res, 200, await sitesAnswer(context));
  if (req.method === "GET" && path === "/tls") return json(res, 200, context.tlsStatus?.() ?? null);
  if (req.method === "GET" && path === "/explain") {
    const query = {
      ip: url.searchParams.get("ip") ?? "",
      host: url.searchParams.get("host") ?? undefined,
      path: url.searchParams.get("path") ?? "/",
    };
    const answer = await context.explain(query);
    if (answer.ok) return json(res, 200, answer.body);
    return fail(res, answer.code, answer.detail);
  }
  if (path === "/simulate") return simulate(req, res, context);
  const action = /^\/sites\/([a-z][a-z0-9-]{0,31})\/(drain|compromise|restore)$/.exec(path);
  if (action) {
    if (req.method !== "POST") return fail(res, "method_not_allowed", "use POST");
    const [, siteId = "", verb = ""] = action;
    if (!context.state.snapshot.siteIndex.has(siteId))
      return fail(res, "not_found", `no site "${siteId}"`);
    const request = overrideRequest(req, url, verb);
    if (typeof request === "string") return fail(res, "bad_request", request);
    const { who } = request;
    let receipt: OverrideReceipt | undefined;
    try {
      receipt = await context.applyOverride(siteId, ACTIONS[verb], request);
    } catch (error) {
      context.logger.error(
        { err: error, target: siteId, action: verb, who },
        "ops override failed",
      );
      const notApplied = error instanceof OverrideNotAppliedError;
      return fail(
        res,
        notApplied ? "override_not_applied" : "override_not_stored",
        notApplied
          ? `the override was stored, but not every worker applied it: ${error.message}`
          : `the override was not stored: ${(error as Error).message}`,
      );
    }
    context.logger.warn(
      {
        target: siteId,
        action: verb,
        who,
        why: request.why,
        at: new Date().toISOString(),
        ...receipt,
      },
      "ops override",
    );
    return json(res, 200, {
      site: siteId,
      action: verb,
      who,
      why: request.why,
      ...receipt,
      snapshotVersion: context.state.snapshot.version,
    });
  }
  return fail(res, "not_found", `no admin endpoint ${req.method} ${path}`);
}

/** An admin body (a what-if) is small and sent at once: a trickle is cut within seconds. */
const ADMIN_BODY_TIMEOUTS = {
  bodyIdleTimeoutMs: 10_000,
  minBodyBytesPerSecond: 1_024,
  bodyRateGraceMs: 5_000,
  requestTimeoutMs: 30_000,
};

/** What GET /sites answers (the ops view reads the same). */
async function sitesAnswer(context: AdminContext) {
  const geoip = (await context.geoipStatus?.()) ?? null;
  const report = sitesReport(context.ingress, context.state, await context.upstreams(), geoip);
  return {
    ...report,
    opsOverrides: context.overrideRecords?.() ?? null,
    fleet: context.fleetStatus?.() ?? null,
    workers: context.workers?.() ?? null,
    consul: context.consulStatus?.() ?? null,
    probeLatencyMs: context.probeLatency?.() ?? null,
    tls: context.tlsStatus?.() ?? null,
  };
}

/** POST /simulate (simulate-endpoint.ts): the body bounded before it is read whole. */
async function simulate(req: IncomingMessage, res: ServerResponse, context: AdminContext) {
  if (req.method !== "POST") return fail(res, "method_not_allowed", "use POST");
  const max = MAX_SIMULATE_BODY_BYTES;
  const declared = Number(req.headers["content-length"] ?? max);
  if (!(declared <= max)) return fail(res, "body_too_large", `the body is over ${max} bytes`);
  const watch = new BodyWatch(req, ADMIN_BODY_TIMEOUTS, performance.now(), () => performance.now());
  const body = await readBody(req, declared, max, watch)
    .catch(() => undefined)
    .finally(() => watch.stop());
  if (!body) return fail(res, "body_too_large", `the body is over ${max} bytes, or too slow`);
  const { inputs, snapshot } = context.state;
  const live = {
    inputs,
    ingress: context.ingress,
    snapshotVersion: snapshot.version,
    locate: context.locate ?? unknownLocation,
  };
  const answer = await simulateEndpoint(body.toString("utf8"), live);
  json(res, answer.status, answer.body);
}

/** Printable ASCII only, cut at `max` characters: header and query text goes into logs and KV. */
const printable = (text: string, max: number) => text.replace(/[^\x20-\x7e]/g, "?").slice(0, max);
const MAX_EXPIRY_S = 30 * 24 * 3_600;

/** The override's who, why, expiry and scope from the request; a string says what is wrong. */
function overrideRequest(req: IncomingMessage, url: URL, verb: string): OverrideRequest | string {
  const user = printable(String(req.headers["x-ops-user"] ?? "anonymous"), 64);
  const why = printable(url.searchParams.get("why") ?? "", 500);
  const expires = url.searchParams.get("expiresInS");
  if (expires !== null && !/^\d{1,8}$/.test(expires))
    return "expiresInS is a whole number of seconds";
  const expiresInS = expires === null ? undefined : Number(expires);
  if (expiresInS !== undefined && (expiresInS < 1 || expiresInS > MAX_EXPIRY_S))
    return `expiresInS is from 1 to ${MAX_EXPIRY_S}`;
  if (expiresInS !== undefined && verb !== "drain")
    return "only a drain expires: a compromise stays until it is restored, explicitly";
  const local = url.searchParams.get("local");
  const token = req.headers["x-consul-token"];
  return {
    who: `${user}@${req.socket.remoteAddress}`,
    why,
    expiresInMs: expiresInS === undefined ? undefined : expiresInS * 1_000,
    local: local !== null && local !== "false" && local !== "0",
    consulToken: typeof token === "string" && token !== "" ? token.slice(0, 256) : undefined,
  };
}

/** A JSON answer, pretty-printed, never cached. */
export function json(res: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  res.end(text);
}

function fail(
  res: ServerResponse,
  code:
    | "unauthorized"
    | "forbidden"
    | "not_found"
    | "method_not_allowed"
    | "bad_request"
    | "body_too_large"
    | "internal"
    | "override_not_stored"
    | "override_not_applied",
  detail: string,
): void {
  const error = new GatewayError(code, detail, { cause: new Error(detail) });
  sendProblem(res, error, { requestId: "admin", unknownHostStatus: 421, via: "admin" });
}
