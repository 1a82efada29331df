/**
 * Test fixtures for the data plane: real node:http backends on 127.0.0.1 port 0 that say who
 * they are, and gateways over a small world built from them. Test-only; everything started
 * here is closed by `close()`, which tests call from `t.after`.
 */
import { rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import pino, { type Logger } from "pino";
import { catalogueSchema } from "../../routing-tables/catalogue-schema.ts";
import type { ClientLocation } from "../../routing-tables/client.ts";
import { policySchema } from "../../routing-tables/policy-schema.ts";
import type { GeoipStatus } from "../client-facts/geoip-source.ts";
import type { Observation } from "../forward/observation.ts";
import { type RunningGateway, startGateway } from "../process/start-gateway.ts";
import { loopbackBoot } from "./consul-world.ts";
import { TEST_ADMIN_TOKEN } from "./test-admin.ts";

export { adminPost, TEST_ADMIN_TOKEN } from "./test-admin.ts";

export type BackendBehaviour = (req: IncomingMessage, res: ServerResponse, name: string) => void;

/** Answers 200 with JSON: which backend, the method, path and the headers it got. */
export const echo: BackendBehaviour = (req, res, name) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const body = JSON.stringify({
      backend: name,
      method: req.method,
      path: req.url,
      headers: req.headers,
      body: Buffer.concat(chunks).toString(),
    });
    res.writeHead(200, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
    });
    res.end(body);
  });
};

/** Answers `status` with the text `<text> from <backend>`, once the request body is read. */
export const answerText =
  (status: number, text: string): BackendBehaviour =>
  (req, res, name) => {
    req.resume();
    req.on("end", () => endText(res, status, `${text} from ${name}`));
  };

/** A behaviour that holds every request until `release()`, then answers `status`. */
export function gate(status = 200) {
  const waiting: (() => void)[] = [];
  let open = false;
  const behaviour: BackendBehaviour = (req, res, name) => {
    req.resume();
    const reply = () => endText(res, status, `${status} from ${name}`);
    if (open) reply();
    else waiting.push(reply);
  };
  return {
    behaviour,
    held: () => waiting.length,
    release: () => {
      open = true;
      for (const reply of waiting.splice(0)) reply();
    },
  };
}

function endText(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    "content-type": "text/plain",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

export interface TestBackend {
  readonly name: string;
  readonly address: string;
  readonly server: Server;
  /** Requests this backend has answered. */
  readonly hits: () => number;
  /** Stops listening and cuts every connection (a dead machine, as far as clients can tell). */
  kill(): Promise<void>;
  /** Changes what the backend does from now on. */
  behave(next: BackendBehaviour): void;
}

export async function startBackend(
  name: string,
  behaviour: BackendBehaviour = echo,
): Promise<TestBackend> {
  let current = behaviour;
  let hits = 0;
  const server = createServer((req, res) => {
    hits += 1;
    current(req, res, name);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    name,
    address: `127.0.0.1:${port}`,
    server,
    hits: () => hits,
    kill: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    behave: (next) => {
      current = next;
    },
  };
}

export interface SiteSpec {
  readonly id: string;
  readonly tier?: "edge" | "hub";
  readonly jurisdiction?: string;
  readonly longitude?: number;
  readonly latitude?: number;
  readonly capacity?: number;
  readonly backends?: number;
  /** Backend addresses served elsewhere (a test's own listener): no backend is started. */
  readonly addresses?: readonly string[];
}

export interface TestWorld {
  readonly backends: ReadonlyMap<string, readonly TestBackend[]>;
  readonly gateways: ReadonlyMap<string, RunningGateway>;
  gateway(site: string): RunningGateway;
  close(): Promise<void>;
}

export interface TestWorldOptions {
  readonly sites: readonly SiteSpec[];
  /** Policy document (defaults, services); default: one service `web` for every host. */
  readonly policy?: Record<string, unknown>;
  /** Gateways to start, by site id; default: the first site's. */
  readonly ingresses?: readonly string[];
  /** Boot config fields (deep merge not done: give whole sub-objects). */
  readonly boot?: Record<string, unknown>;
  readonly locate?: (address: string) => ClientLocation;
  /** The GeoIP database behind `locate`, shown in /sites and the metrics. */
  readonly geoip?: { status(): GeoipStatus };
  /** The admin API's bearer token (every change wants it); default: TEST_ADMIN_TOKEN; null: none. */
  readonly adminToken?: string | null;
  /** The gateways' logger; default: silent. */
  readonly logger?: Logger;
  readonly behaviour?: BackendBehaviour;
  readonly onObservation?: (observation: Observation) => void;
}

/** Backends for every site, and a gateway at each ingress, all on 127.0.0.1 port 0. */
export async function startTestWorld(options: TestWorldOptions): Promise<TestWorld> {
  const backends = new Map<string, TestBackend[]>();
  for (const site of options.sites) {
    const list: TestBackend[] = [];
    for (let i = 0; i < (site.addresses ? 0 : (site.backends ?? 2)); i++)
      list.push(await startBackend(`${site.id}-${i + 1}`, options.behaviour));
    backends.set(site.id, list);
  }
  const catalogue = catalogueSchema.parse({
    sites: options.sites.map((s) => ({
      id: s.id,
      name: s.id.toUpperCase(),
      country: "EC",
      jurisdiction: s.jurisdiction ?? "EC",
      latitude: s.latitude ?? 0,
      longitude: s.longitude ?? 0,
      tier: s.tier ?? "edge",
      capacity: s.capacity ?? 1000,
      backends: s.addresses ?? (backends.get(s.id) ?? []).map((b) => b.address),
    })),
  });
  const policy = policySchema.parse(
    options.policy ?? { services: [{ name: "web", hosts: ["*"] }] },
  );
  const gateways = new Map<string, RunningGateway>();
  const stateDirectories: string[] = [];
  const close = async () => {
    await Promise.all([...gateways.values()].map((g) => g.shutdown(1_000)));
    await Promise.all([...backends.values()].flat().map((b) => b.kill()));
    for (const dir of stateDirectories) rmSync(dir, { recursive: true, force: true });
  };
  for (const site of options.ingresses ?? [options.sites[0]?.id ?? ""]) {
    // loopbackBoot turns probes off: they would add to the backends' hit counts tests assert
    // on; tests that want them say so.
    const boot = loopbackBoot({
      site,
      siteHeaders: true,
      trustedProxies: ["127.0.0.0/8", "::1/128"],
      ...options.boot,
    });
    stateDirectories.push(boot.stateDirectory);
    const logger = options.logger ?? pino({ level: "silent" });
    const starting = startGateway({
      boot,
      catalogue,
      policy,
      logger,
      ...(options.locate && { locate: options.locate }),
      ...(options.geoip && { geoip: options.geoip }),
      ...(options.adminToken !== null && { adminToken: options.adminToken ?? TEST_ADMIN_TOKEN }),
      ...(options.onObservation && { onObservation: options.onObservation }),
    });
    // A gateway that fails to start fails the test, not hangs it: what is open closes first.
    gateways.set(
      site,
      await starting.catch((error: unknown) => close().then(() => Promise.reject(error))),
    );
  }
  return {
    backends,
    gateways,
    gateway(site) {
      const gateway = gateways.get(site);
      if (!gateway) throw new Error(`no gateway at ${site}`);
      return gateway;
    },
    close,
  };
}

/** Requests the site's backends have answered, all together. */
export const siteHits = (world: TestWorld, site: string): number =>
  (world.backends.get(site) ?? []).reduce((sum, b) => sum + b.hits(), 0);

/** What a test reads of a gateway's answer. */
export interface Answer {
  readonly status: number;
  /** x-gateway-site: the site that served. */
  readonly site: string | null;
  readonly type: string | null;
  readonly body: string;
}

export async function send(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, init);
  return {
    status: res.status,
    site: res.headers.get("x-gateway-site"),
    type: res.headers.get("content-type"),
    body: await res.text(),
  };
}

/** Polls `check` until it returns true, or fails after `timeoutMs` (a generous bound, not a measurement). */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = "condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
