/**
 * The demo world's admin API (default 127.0.0.1:9090): the gateway admin API
 * (`admin/admin-api.ts`), in front of all sixteen gateways at once.
 *
 * - Ops overrides (`POST /sites/:id/drain|compromise|restore`) apply to every gateway: as a
 *   local override of each, or, in fleet mode, through the place of record (the first hub's
 *   gateway writes it; the answer comes once every gateway applied it from its own watch).
 * - `GET /explain?ip=ADDR` explains from the ingress the anycast stand-in delivers that
 *   client to; `GET /sites` shows the first hub's view. `?ingress=SITE` picks another gateway,
 *   for these and for `/healthz` and `/readyz`.
 * - `GET /metrics`: every gateway's metrics in one exposition, each series labelled with its
 *   `ingress`.
 * - `GET /ui/`: the ops view (gateway/ui/), in fleet mode over all sixteen gateways.
 * - Demo only: `POST /demo/sites/:id/kill|revive` stops or restarts that site's backends (the
 *   gateway is untouched: it has to notice by itself); `GET /demo/world` lists every site's
 *   gateway, admin address, backends, whether it announces, and deliveries from the front.
 *
 * Every request passes the gateway admin API's guard (admin/admin-guard.ts) with the demo's
 * token: a Host naming this listener, no cross-origin browser request, the bearer token for
 * every change (the demo prints it in its banner). The demo-only routes and /metrics answer
 * loopback peers only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { AggregatorRegistry } from "prom-client";
import type { ClientLocation } from "../../routing-tables/client.ts";

import {
  type AdminContext,
  type AdminListener,
  adminRequestListener,
  json,
} from "../admin/admin-api.ts";
import { guardAdmin, isLoopback } from "../admin/admin-guard.ts";

import type { RunningGateway } from "../process/start-gateway.ts";

export interface DemoAdminOptions {
  readonly gateways: ReadonlyMap<string, RunningGateway>;
  /** The gateway that answers when neither the client nor `?ingress=` names one. */
  readonly defaultIngress: string;
  /** Where the anycast stand-in would deliver a client address, if anywhere. */
  readonly ingressFor: (address: string) => string | undefined;
  readonly locate: (address: string) => ClientLocation;
  /** Stores an override for the whole world (each gateway locally, or through the fleet). */
  readonly applyOverride: AdminContext["applyOverride"];
  /** The bearer token every change needs. */
  readonly adminToken: string;
  readonly world: () => unknown;
  readonly kill: (siteId: string) => Promise<void>;
  readonly revive: (siteId: string) => Promise<void>;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

export function createDemoAdmin(options: DemoAdminOptions): Server {
  const listeners = new Map<string, AdminListener>();
  const adminOf = (siteId: string): Listener | undefined => {
    const gateway = options.gateways.get(siteId);
    if (!gateway) return undefined;
    let listener = listeners.get(siteId);
    if (!listener) {
      listener = adminListener(siteId, gateway, options);
      listeners.set(siteId, listener);
    }
    return listener;
  };
  const server = createServer((req, res) => {
    handle(req, res, options, adminOf).catch((error: Error) => {
      if (!res.headersSent) json(res, 500, { error: error.message });
      else res.destroy();
    });
  });
  return server.on("close", () => {
    for (const listener of listeners.values()) listener.close();
  });
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: DemoAdminOptions,
  adminOf: (siteId: string) => Listener | undefined,
): Promise<void> {
  const verdict = guardAdmin(req, { token: options.adminToken, hostNames: [] });
  if (!verdict.ok)
    return json(res, verdict.code === "forbidden" ? 403 : 401, { error: verdict.detail });
  const url = new URL(req.url ?? "/", "http://demo-admin");
  const demoRoute = url.pathname === "/metrics" || url.pathname.startsWith("/demo/");
  if (demoRoute && !isLoopback(req.socket.remoteAddress ?? ""))
    return json(res, 403, { error: "the demo admin answers loopback only" });
  if (req.method === "GET" && url.pathname === "/metrics") return metrics(res, options.gateways);
  if (req.method === "GET" && url.pathname === "/demo/world")
    return json(res, 200, options.world());
  const action = /^\/demo\/sites\/([^/]+)\/(kill|revive)$/.exec(url.pathname);
  if (action) {
    const [, siteId = "", verb = ""] = action;
    if (req.method !== "POST") return json(res, 405, { error: "use POST" });
    if (!options.gateways.has(siteId)) return json(res, 404, { error: `no site "${siteId}"` });
    await (verb === "kill" ? options.kill(siteId) : options.revive(siteId));
    return json(res, 200, { site: siteId, action: verb });
  }
  const asked = url.searchParams.get("ingress");
  if (asked !== null && !options.gateways.has(asked))
    return json(res, 404, { error: `no gateway at "${asked}"` });
  const ip = url.searchParams.get("ip");
  const ingress =
    asked ??
    (url.pathname === "/explain" && ip ? safely(() => options.ingressFor(ip)) : undefined) ??
    options.defaultIngress;
  const admin = adminOf(ingress);
  if (!admin) return json(res, 503, { error: `no gateway at "${ingress}"` });
  admin(req, res);
}

/**
 * The gateway admin API's request listener for one gateway, with the world's override hook,
 * and every gateway of the world as the ops view's fleet (each read at its own admin address).
 */
function adminListener(
  siteId: string,
  gateway: RunningGateway,
  options: DemoAdminOptions,
): AdminListener {
  const fleet = async () =>
    [...options.gateways].map(([site, g]) => ({ site, url: `${g.adminUrl}/sites` }));
  return adminRequestListener({
    ...gateway.admin,
    ingress: siteId,
    token: options.adminToken,
    applyOverride: options.applyOverride,
    ui: { ...gateway.admin.ui, fleet },
  });
}

/** Every gateway's metrics, each series labelled with the gateway's site as `ingress`. */
async function metrics(
  res: ServerResponse,
  gateways: ReadonlyMap<string, RunningGateway>,
): Promise<void> {
  const all = await Promise.all(
    [...gateways].map(async ([ingress, gateway]) => {
      const families = await gateway.metricsJson();
      return families.map((family) => ({
        ...family,
        values: family.values.map((value) => ({
          ...value,
          labels: { ...value.labels, ingress },
        })),
      }));
    }),
  );
  const registry = AggregatorRegistry.aggregate(all);
  const body = await registry.metrics();
  res.writeHead(200, { "content-type": registry.contentType, "cache-control": "no-store" });
  res.end(body);
}

function safely<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
