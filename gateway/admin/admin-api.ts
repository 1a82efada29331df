/**
 * The admin API on its own port: /healthz, /readyz, /metrics, /sites, /explain and the ops
 * overrides POST /sites/:id/drain|compromise|restore. admin-guard.ts decides who may: Host
 * must name this listener, browsers' cross-origin requests are refused, every override needs
 * `Authorization: Bearer <token>` (on loopback too), and off loopback reads need it as well.
 * Overrides are logged with who and when; every 500 is logged with its cause.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { ClientLocation } from "../../routing-tables/client.ts";
import { decide } from "../../routing-tables/decide.ts";
import { explainJson } from "../../routing-tables/explain.ts";
import type { OpsOverride } from "../../routing-tables/snapshot.ts";
import { GatewayError } from "../errors/error-catalogue.ts";
import { sendProblem } from "../errors/problem-response.ts";
import type { Upstreams } from "../forward/upstreams.ts";
import type { GatewayMetrics } from "../state/metrics.ts";
import type { RoutingState } from "../state/routing-state.ts";
import { guardAdmin } from "./admin-guard.ts";
import { sitesReport } from "./sites-report.ts";

export { isLoopback } from "./admin-guard.ts";

export interface AdminContext {
  readonly ingress: string;
  readonly state: RoutingState;
  readonly upstreams: Upstreams;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  /** The bearer token every mutation needs; undefined: none is allowed. */
  readonly token: string | undefined;
  /** DNS names accepted in Host besides IP literals and localhost (admin.hostNames). */
  readonly hostNames?: readonly string[];
  readonly locate: (address: string) => ClientLocation;
  readonly isReady: () => { ready: boolean; reason: string };
  /** Consul discovery per site (staleness), when Consul is configured. */
  readonly consulStatus?: () => readonly unknown[];
  /** Probe latency percentiles per site (from the HDR histograms), when probes run. */
  readonly probeLatency?: () => Readonly<Record<string, unknown>>;
  /**
   * Applies an ops override (here, or through Consul KV where configured). May be
   * asynchronous (a Consul KV write): the answer waits for it; a failure is a 503.
   */
  readonly applyOverride: (
    siteId: string,
    override: OpsOverride | undefined,
  ) => void | Promise<void>;
}

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
      context.logger.error({ err: error, path: req.url }, "admin API internal error");
      if (res.headersSent) res.destroy();
      else fail(res, "internal", "internal error (logged)");
    });
  };
}

export function createAdminServer(context: AdminContext): Server {
  return createServer(adminRequestListener(context));
}

async function handleAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  context: AdminContext,
): Promise<void> {
  const verdict = guardAdmin(req, { token: context.token, hostNames: context.hostNames ?? [] });
  if (!verdict.ok) return fail(res, verdict.code, verdict.detail);
  const url = new URL(req.url ?? "/", "http://admin");
  const path = url.pathname;
  if (req.method === "GET" && path === "/healthz") return json(res, 200, { status: "ok" });
  if (req.method === "GET" && path === "/readyz") {
    const { ready, reason } = context.isReady();
    return json(res, ready ? 200 : 503, { ready, reason });
  }
  if (req.method === "GET" && path === "/metrics") {
    const body = await context.metrics.registry.metrics();
    res.writeHead(200, { "content-type": context.metrics.registry.contentType });
    res.end(body);
    return;
  }
  if (req.method === "GET" && path === "/sites") {
    const report = sitesReport(context.ingress, context.state, context.upstreams);
    return json(res, 200, {
      ...report,
      consul: context.consulStatus?.() ?? null,
      probeLatencyMs: context.probeLatency?.() ?? null,
    });
  }
  if (req.method === "GET" && path === "/explain") return explain(res, url, context);
  const action = /^\/sites\/([a-z][a-z0-9-]{0,31})\/(drain|compromise|restore)$/.exec(path);
  if (action) {
    if (req.method !== "POST") return fail(res, "method_not_allowed", "use POST");
    const [, siteId = "", verb = ""] = action;
    if (!context.state.snapshot.siteIndex.has(siteId))
      return fail(res, "not_found", `no site "${siteId}"`);
    const who = `${req.headers["x-ops-user"] ?? "anonymous"}@${req.socket.remoteAddress}`;
    try {
      await context.applyOverride(siteId, ACTIONS[verb]);
    } catch (error) {
      return fail(
        res,
        "override_not_stored",
        `the override was not stored: ${(error as Error).message}`,
      );
    }
    context.logger.warn(
      { target: siteId, action: verb, who, at: new Date().toISOString() },
      "ops override",
    );
    return json(res, 200, {
      site: siteId,
      action: verb,
      who,
      snapshotVersion: context.state.snapshot.version,
    });
  }
  return fail(res, "not_found", `no admin endpoint ${req.method} ${path}`);
}

function explain(res: ServerResponse, url: URL, context: AdminContext): void {
  const ip = url.searchParams.get("ip") ?? "";
  let client: ClientLocation = {};
  try {
    client = ip ? context.locate(ip) : {};
  } catch {
    fail(res, "bad_request", `not an IP address: ${ip}`);
    return;
  }
  const snapshot = context.state.snapshot;
  const host = url.searchParams.get("host") ?? snapshot.services[0]?.hosts[0] ?? "";
  const facts = {
    ingress: context.ingress,
    host,
    path: url.searchParams.get("path") ?? "/",
    client,
  };
  json(res, 200, {
    ip,
    host,
    ...explainJson(
      snapshot,
      decide(snapshot, facts, () => 0),
      client,
    ),
  });
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
    | "internal"
    | "override_not_stored",
  detail: string,
): void {
  const error = new GatewayError(code, detail, { cause: new Error(detail) });
  sendProblem(res, error, { requestId: "admin", unknownHostStatus: 421, via: "admin" });
}
