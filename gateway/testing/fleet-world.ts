/**
 * A fleet of real `gateway serve` processes for tests: every site in a Consul datacenter of its
 * own (one Consul double, one agent per datacenter), real backends per site, the place of record
 * in the control datacenters (bootstrapped with the sentinel, as the runbook does), and each
 * gateway's state directory kept across its restarts. Clients are located with the demo GeoIP
 * database, loopback being a trusted proxy: `X-Forwarded-For` names the client.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type ConsulDouble,
  startConsulDouble,
} from "../../health/testing/consul-double/consul-double.ts";
import { DEMO_GEOIP } from "../config/config-files.ts";
import { startBackend, type TestBackend } from "./fixtures.ts";
import { type ServedGateway, serveGateway } from "./served-gateway.ts";

export const FLEET_PREFIX = "gw";
/** Demo GeoIP samples (gateway/demo/geoip/clients.json). */
export const CLIENTS = { zanzibar: "198.51.100.161", buenosAires: "198.51.100.1" } as const;

export interface FleetSite {
  readonly id: string;
  readonly tier: "edge" | "hub";
  readonly longitude: number;
  readonly country?: string;
  readonly jurisdiction?: string;
}

export interface RunningFleetGateway {
  readonly served: ServedGateway;
  readonly url: string;
  readonly admin: string;
}

export interface FleetWorld {
  readonly double: ConsulDouble;
  readonly backends: ReadonlyMap<string, TestBackend>;
  /** Starts (or restarts, with the same state directory) the gateway of `site`. */
  start(
    site: string,
    options?: { catalogue?: readonly FleetSite[]; registerSite?: boolean },
  ): Promise<RunningFleetGateway>;
  /** SIGTERM, and the exit awaited. */
  stop(site: string): Promise<void>;
  gateway(site: string): RunningFleetGateway;
  /** The gateway's /sites answer. */
  sites(viewer: string): Promise<FleetSites>;
  /** A site's state as a gateway sees it (undefined: not in its catalogue). */
  stateOf(viewer: string, site: string): Promise<string | undefined>;
  /** One request through a gateway for a client address: status and serving site. */
  request(viewer: string, client: string): Promise<{ status: number; site: string | null }>;
}

export interface FleetSites {
  readonly sites: readonly { id: string; state: string }[];
  readonly opsOverrides: Record<
    string,
    { scope: string; who: string; why: string; flags: object }[]
  >;
  readonly fleet: {
    controlPlane: {
      readable: boolean;
      datacenters: { datacenter: string; readable: boolean; reason?: string }[];
    };
  };
}

export interface FleetWorldOptions {
  readonly sites: readonly FleetSite[];
  /** Sites the shared catalogue file lists (default: all). */
  readonly listed?: readonly string[];
  readonly control: readonly string[];
  readonly policy: string;
}

const entry = (s: FleetSite, backend: string) =>
  `  - { id: ${s.id}, name: ${s.id.toUpperCase()}, country: ${s.country ?? "EC"}, jurisdiction: ${s.jurisdiction ?? "EC"}, latitude: 0, longitude: ${s.longitude}, tier: ${s.tier}, capacity: 1000, backends: ["${backend}"] }`;

export async function startFleetWorld(
  t: { after: (fn: () => Promise<void> | void) => void },
  options: FleetWorldOptions,
): Promise<FleetWorld> {
  const double = await startConsulDouble({
    datacenters: options.sites.map((s) => s.id),
    commitDelayMs: 5,
  });
  for (const dc of options.control)
    double.putKV(dc, `${FLEET_PREFIX}/sentinel`, JSON.stringify({ fleet: FLEET_PREFIX }));
  const backends = new Map<string, TestBackend>();
  for (const site of options.sites) backends.set(site.id, await startBackend(`${site.id}-1`));
  const stateRoot = mkdtempSync(join(tmpdir(), "fleet-world-"));
  const running = new Map<string, RunningFleetGateway>();
  t.after(async () => {
    for (const g of running.values()) g.served.child.kill("SIGKILL");
    for (const b of backends.values()) await b.kill();
    await double.close();
    rmSync(stateRoot, { recursive: true, force: true });
  });
  const listed = options.sites.filter((s) =>
    (options.listed ?? options.sites.map((x) => x.id)).includes(s.id),
  );
  const catalogueOf = (sites: readonly FleetSite[]) =>
    `sites:\n${sites.map((s) => entry(s, backends.get(s.id)?.address ?? "")).join("\n")}\n`;
  const start: FleetWorld["start"] = async (site, extra = {}) => {
    const boot = [
      `site: ${site}`,
      "catalogue: catalogue.yaml",
      "policy: policy.yaml",
      `geoip: ${DEMO_GEOIP}`,
      "listen: { host: 127.0.0.1, port: 0 }",
      "admin: { host: 127.0.0.1, port: 0 }",
      `stateDirectory: ${join(stateRoot, site)}`,
      "workers: 1",
      "siteHeaders: true",
      'trustedProxies: ["127.0.0.0/8"]',
      "probes: { enabled: false, intervalMs: 100, timeoutMs: 500 }",
      `consul: { enabled: true, datacenter: ${site}, kvPrefix: ${FLEET_PREFIX}, controlDatacenters: [${options.control.join(", ")}], register: false, registerSite: ${extra.registerSite ?? false}, waitMs: 2000, recoveryProbeMs: 200, fleetLeaveAfterMs: 500, coordinatesIntervalMs: 3600000 }`,
      "log: { level: info, requests: false }",
      "",
    ].join("\n");
    const catalogue = catalogueOf(extra.catalogue ?? listed);
    const served = serveGateway(t, { catalogue, policy: options.policy, boot }, [], {
      CONSUL_HTTP_ADDR: double.urlOf(site),
    });
    const { url, admin } = await served.listening();
    const gateway = { served, url, admin };
    running.set(site, gateway);
    return gateway;
  };
  const gateway = (site: string) => {
    const g = running.get(site);
    if (!g) throw new Error(`no gateway at ${site}`);
    return g;
  };
  const sites = async (viewer: string) =>
    (await (await fetch(`${gateway(viewer).admin}/sites`)).json()) as FleetSites;
  return {
    double,
    backends,
    start,
    stop: async (site) => {
      const g = gateway(site);
      g.served.child.kill("SIGTERM");
      await g.served.exited;
      running.delete(site);
    },
    gateway,
    sites,
    stateOf: async (viewer, site) => (await sites(viewer)).sites.find((s) => s.id === site)?.state,
    request: async (viewer, client) => {
      const res = await fetch(`${gateway(viewer).url}/`, {
        headers: { "x-forwarded-for": client },
      });
      await res.arrayBuffer();
      return { status: res.status, site: res.headers.get("x-gateway-site") };
    },
  };
}
