/**
 * The admin API on its own port: /healthz, /readyz, /metrics, /sites, /explain and the ops
 * overrides POST /sites/:id/drain|compromise|restore. From a loopback peer it answers
 * anyone; from elsewhere it wants `Authorization: Bearer <token>` (and refuses everything
 * when no token is configured). Overrides are logged with who and when.
 */
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { OpsOverride } from "../../routing-tables/snapshot.ts";
import { GatewayError } from "../errors/error-catalogue.ts";
import { sendProblem } from "../errors/problem-response.ts";
import type { SiteUpstreamView } from "../forward/upstream-view.ts";
import type { RoutingState } from "../state/routing-state.ts";
import type { ExplainAnswer, ExplainQuery } from "./explain-answer.ts";
import { sitesReport } from "./sites-report.ts";

export interface AdminContext {
  readonly ingress: string;
  readonly state: RoutingState;
  readonly logger: Logger;
  readonly token: string | undefined;
  readonly isReady: () => { ready: boolean; reason: string };
  /** The Prometheus exposition of the whole gateway (control plane and every data plane). */
  readonly scrape: () => Promise<{ contentType: string; body: string }>;
  /** The upstreams over every data plane: worst breakers, summed requests in flight. */
  readonly upstreams: () => Promise<ReadonlyMap<string, SiteUpstreamView>>;
  /** The decision for one client, answered where GeoIP is open (a data plane). */
  readonly explain: (query: ExplainQuery) => Promise<ExplainAnswer>;
  /** The gateway's data planes (workers): which snapshot version each serves. */
  readonly workers?: () => readonly unknown[];
  /** Consul discovery per site (staleness), when Consul is configured. */
  readonly consulStatus?: () => readonly unknown[];
  /** Probe latency percentiles per site (from the HDR histograms), when probes run. */
  readonly probeLatency?: () => Readonly<Record<string, unknown>>;
  /** Every site's override records (who, when, why, expiry, scope fleet or local). */
  readonly overrideRecords?: () => unknown;
  /** The place of record as this gateway sees it (readable, membership, audit), when configured. */
  readonly fleetStatus?: () => unknown;
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

/** The admin API as a request listener, to mount on a server of the caller's. */
export function adminRequestListener(
  context: AdminContext,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handleAdmin(req, res, context).catch((error: Error) => {
      fail(res, "internal", error.message);
    });
  };
}

export function createAdminServer(context: AdminContext): Server {
  return createServer(adminRequestListener(context));
}

/** The override is in the state of record, but some worker did not confirm it in time. */
export class OverrideNotAppliedError extends Error {}

export const isLoopback = (address: string) =>
  address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");

function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (isLoopback(req.socket.remoteAddress ?? "")) return true;
  const offered = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
  if (!token || !offered) return false;
  const a = Buffer.from(offered);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function handleAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  context: AdminContext,
): Promise<void> {
  if (!authorized(req, context.token))
    return fail(res, "unauthorized", "a bearer token is required off loopback");
  const url = new URL(req.url ?? "/", "http://admin");
  const path = url.pathname;
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
  if (req.method === "GET" && path === "/sites") {
    const report = sitesReport(context.ingress, context.state, await context.upstreams());
    return json(res, 200, {
      ...report,
      opsOverrides: context.overrideRecords?.() ?? null,
      fleet: context.fleetStatus?.() ?? null,
      workers: context.workers?.() ?? null,
      consul: context.consulStatus?.() ?? null,
      probeLatencyMs: context.probeLatency?.() ?? null,
    });
  }
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
    | "not_found"
    | "method_not_allowed"
    | "bad_request"
    | "internal"
    | "override_not_stored"
    | "override_not_applied",
  detail: string,
): void {
  const error = new GatewayError(code, detail, { cause: new Error(detail) });
  sendProblem(res, error, { requestId: "admin", unknownHostStatus: 421, via: "admin" });
}
