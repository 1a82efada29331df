/**
 * The ops view on the admin API, under `/ui`:
 *
 * | path | what |
 * |---|---|
 * | `/ui` | redirects to `/ui/` (relative links) |
 * | `/ui/` and `/ui/<file>` | the page and its modules (static-assets.ts) |
 * | `/ui/map.json` | the land and the globe's outline as SVG paths (world-map.ts) |
 * | `/ui/view?fleet=0\|1` | the view as JSON, once (ops-view.ts; `gateway status --fleet` reads it) |
 * | `/ui/events?fleet=0\|1` | the view as Server-Sent Events (event-stream.ts) |
 *
 * `fleet=1`: every gateway of the fleet (fleet-fetch.ts, members from `fleet`), `fleet=0`: this
 * gateway alone; absent: the fleet when this gateway knows one. GET and HEAD only. The files
 * are read and the map is drawn on first use, not at start: a gateway nobody looks at pays
 * nothing.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import type { Logger } from "pino";
import { Agent } from "undici";
import { type BootConfig, bootSchema } from "../config/boot-schema.ts";
import { GatewayError } from "../errors/error-catalogue.ts";
import { sendProblem } from "../errors/problem-response.ts";
import { EventHub } from "./event-stream.ts";
import { type FleetMember, fetchFleet } from "./fleet-fetch.ts";
import { type GatewayReport, type OpsView, opsView } from "./ops-view.ts";
import { readSitesBody } from "./sites-body.ts";
import { type Asset, asset, loadAssets, SECURITY_HEADERS, sendAsset } from "./static-assets.ts";
import { type WorldMap, worldMap } from "./world-map.ts";

export type UiSettings = BootConfig["ui"];

export interface OpsViewOptions {
  /** This gateway's site. */
  readonly self: string;
  /** This gateway's `/sites` answer, as the admin API serves it. */
  readonly readSites: () => Promise<unknown>;
  /** The fleet's gateways, where this gateway knows them (Consul; the demo world). */
  readonly fleet?: (() => Promise<readonly FleetMember[]>) | undefined;
  readonly settings?: UiSettings | undefined;
  readonly logger: Logger;
  /** Calls back on every change of this gateway's state (a new view goes out at once). */
  readonly subscribe?: (onChange: () => void) => () => void;
}

export interface OpsViewRoutes {
  /** Answers a request under `/ui`; false (nothing written) for any other path. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): boolean;
  /** Ends every event stream. */
  close(): void;
}

const CLIENT = join(import.meta.dirname, "client");
const RETRY_MS = 2_000;

export function opsViewRoutes(options: OpsViewOptions): OpsViewRoutes {
  const settings = options.settings ?? bootSchema.shape.ui.parse({});
  const { fleet } = options;
  const assets = lazyAssets();
  const dispatcher = new Agent({ connections: 2 });
  const produce = viewProducers(options, settings, () => assets.map().world, dispatcher);
  const hub = new EventHub(
    {
      single: { produce: produce.single, intervalMs: settings.eventIntervalMs },
      // The fleet's view asks every gateway: a burst of local changes produces it at most
      // once a second (or once per interval, when that is shorter).
      fleet: {
        produce: produce.fleet,
        intervalMs: settings.fleet.intervalMs,
        minPokeGapMs: Math.min(settings.fleet.intervalMs, 1_000),
      },
    },
    { ...settings, retryMs: RETRY_MS },
    (channel, error) => options.logger.warn({ err: error, channel }, "ops view: no view produced"),
  );
  const unsubscribe = options.subscribe?.(() => hub.poke());
  const channelOf = (url: URL) => (fleet && wantsFleet(url, true) ? "fleet" : "single");

  const route = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const name = url.pathname.slice("/ui/".length);
    if (name === "events") {
      if (req.method !== "GET") return fail(res, "method_not_allowed", "an event stream is GET");
      if (!hub.open(channelOf(url), res))
        fail(res, "too_many_streams", `at most ${settings.maxStreams} event streams are open`);
      return;
    }
    if (name === "view") return sendJson(res, await produce[channelOf(url)]());
    if (name === "map.json") return sendAsset(req, res, assets.map().file);
    const file = assets.file(name === "" ? "index.html" : name);
    if (!file) return fail(res, "not_found", `no ops view file ${url.pathname}`);
    sendAsset(req, res, file);
  };

  return {
    handle(req, res, url) {
      if (url.pathname !== "/ui" && !url.pathname.startsWith("/ui/")) return false;
      if (settings.enabled === false) fail(res, "not_found", "the ops view is off (ui.enabled)");
      else if (req.method !== "GET" && req.method !== "HEAD")
        fail(res, "method_not_allowed", "the ops view answers GET and HEAD");
      else if (url.pathname === "/ui") res.writeHead(308, { location: `/ui/${url.search}` }).end();
      else
        route(req, res, url).catch((error: Error) => {
          options.logger.error({ err: error, path: url.pathname }, "ops view failed");
          fail(res, "internal", "the ops view failed (logged)");
        });
      return true;
    },
    close() {
      unsubscribe?.();
      hub.close();
      void dispatcher.close();
    },
  };
}

/** The page's files and the map, read and drawn on first use (not at start). */
function lazyAssets() {
  let files: Map<string, Asset> | undefined;
  let map: { world: WorldMap; file: Asset } | undefined;
  return {
    file: (name: string) => {
      files ??= loadAssets(CLIENT);
      return files.get(name);
    },
    map: () => {
      if (!map) {
        const world = worldMap();
        const { width, height, land, outline } = world;
        map = { world, file: asset("map.json", JSON.stringify({ width, height, land, outline })) };
      }
      return map;
    },
  };
}

/** `fleet=1`/`true` or `0`/`false`; anything else (or nothing) is `fallback`. */
export function wantsFleet(url: URL, fallback: boolean): boolean {
  const asked = url.searchParams.get("fleet");
  if (asked === "1" || asked === "true") return true;
  if (asked === "0" || asked === "false") return false;
  return fallback;
}

/** The two views: this gateway's alone, and the fleet's. */
function viewProducers(
  options: OpsViewOptions,
  settings: UiSettings,
  world: () => WorldMap,
  dispatcher: Agent,
): Record<"single" | "fleet", () => Promise<OpsView>> {
  const { self, fleet, readSites } = options;
  const fleetAvailable = fleet !== undefined;
  const base = { self, fleetAvailable };
  return {
    single: async () => {
      const report = localReport(self, await readSites().catch((error: Error) => error));
      return opsView({ ...base, mode: "single", reports: [report], project: world().project });
    },
    fleet: singleFlight(async () => {
      const problems: string[] = [];
      const members = fleet
        ? await fleet().catch((error: Error) => {
            problems.push(`the fleet's gateways could not be listed: ${error.message}`);
            return [];
          })
        : [];
      const context = { self, readLocal: readSites, dispatcher };
      const reports = await fetchFleet(members, settings.fleet, context);
      return opsView({ ...base, mode: "fleet", reports, project: world().project, problems });
    }),
  };
}

/**
 * One run at a time: a call while one runs gets that run's result. However many streams and
 * `/ui/view` requests ask, the fleet is read by one fan-out at once, never one per asker.
 */
export function singleFlight<T>(run: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () => {
    running ??= run().finally(() => {
      running = undefined;
    });
    return running;
  };
}

function localReport(self: string, answer: unknown): GatewayReport {
  if (answer instanceof Error)
    return { id: self, ingress: self, reachable: false, error: answer.message };
  const read = readSitesBody(answer);
  return read.ok
    ? { id: self, ingress: self, reachable: true, body: read.body }
    : { id: self, ingress: self, reachable: false, error: read.error };
}

function sendJson(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  res.end(text);
}

function fail(
  res: ServerResponse,
  code: "not_found" | "method_not_allowed" | "too_many_streams" | "internal",
  detail: string,
): void {
  const error = new GatewayError(code, detail, { cause: new Error(detail) });
  sendProblem(res, error, { requestId: "admin", unknownHostStatus: 421, via: "admin" });
}
