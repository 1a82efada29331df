/**
 * The demo world (`npm start`, `npm start`): the reference world running on one machine.
 * Every site gets real backends (`wan-backend.ts`: 3 per hub, 2 per edge) and its own
 * gateway; one front address stands in for the anycast network (`anycast-front.ts`), and
 * one admin address drives every gateway at once (`demo-admin.ts`). Everything listens on
 * `host` (default 127.0.0.1); gateways and backends on ports the system picks.
 *
 * Loopback is a trusted proxy here, for the front and the gateways alike, so a client can
 * name itself with X-Forwarded-For and be located by the demo GeoIP database.
 *
 * Ops overrides: without `fleet`, the demo admin applies one to every gateway as a local
 * override of each (labelled so); with `fleet`, each site is a Consul datacenter of an
 * in-process Consul double (fleet-consul.ts) and an override goes through the fleet path:
 * written to the hubs' KV by the gateway that got it, read back by every gateway.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo, Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CatalogueConfig, SiteConfig } from "../../routing-tables/catalogue-schema.ts";
import type { ClientLocation } from "../../routing-tables/client.ts";
import { formatConfigError } from "../../routing-tables/config-error.ts";
import type { PolicyConfig } from "../../routing-tables/policy-schema.ts";
import { type AdminContext, OverrideNotAppliedError } from "../admin/admin-api.ts";
import { openGeoipSource } from "../client-facts/geoip-source.ts";
import { createTrustedProxies } from "../client-facts/trusted-proxies.ts";
import { bootSchema } from "../config/boot-schema.ts";
import {
  DEMO_GEOIP,
  loadWorld,
  REFERENCE_CATALOGUE,
  REFERENCE_POLICY,
} from "../config/config-files.ts";
import { holdsOverride } from "../process/override-confirmation.ts";
import { type RunningGateway, startGateway } from "../process/start-gateway.ts";
import { urlOf } from "../server/listen.ts";
import { createAnycastFront } from "./anycast-front.ts";
import { createDemoAdmin } from "./demo-admin.ts";
import { type DemoDns, demoDnsBoot, startDemoDns } from "./demo-dns.ts";
import { startBackends, stopSites, withBackends } from "./demo-sites.ts";
import { type DemoPki, demoPki, demoTlsBoot } from "./demo-tls.ts";
import { closeServer, listen } from "./fixed-ports.ts";
import { type DemoFleet, startDemoFleet } from "./fleet-consul.ts";
import { createTlsFront } from "./tls-front.ts";
import type { WanBackend } from "./wan-backend.ts";
import { worldReport } from "./world-report.ts";

export interface DemoWorldOptions {
  readonly host?: string;
  /** The anycast stand-in's port; 0 picks a free one. */
  readonly frontPort?: number;
  /** The demo admin API's port; 0 picks a free one. */
  readonly adminPort?: number;
  /** The gateways' log level (pino); per-request logs are off. */
  readonly logLevel?: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** GeoIP2 City database; default: the demo world's. */
  readonly geoip?: string;
  /**
   * Start the DNS side (demo-dns.ts): the first hub's gateway answers DNS, and PowerDNS, when
   * installed, listens on this port (0: a free one). Absent: no DNS side.
   */
  readonly dnsPort?: number;
  /** The admin token every change needs (demo admin and each gateway); default: new each run. */
  readonly adminToken?: string;
  /** Every site in its own Consul datacenter; overrides through the place of record (the hubs). */
  readonly fleet?: boolean;
  /**
   * Start the TLS side: every gateway listens for TLS too, and the TLS front on this port (0: a
   * free one). Absent: no TLS side.
   */
  readonly tlsPort?: number;
  /** Where the demo's local CA and certificates are kept; default demo-tls.ts's folder. */
  readonly pkiFolder?: string;
}

export interface DemoWorld {
  readonly frontUrl: string;
  readonly adminUrl: string;
  /** The catalogue as the gateways run it: the reference world with the real backends. */
  readonly catalogue: CatalogueConfig;
  readonly gateways: ReadonlyMap<string, RunningGateway>;
  readonly backends: ReadonlyMap<string, readonly WanBackend[]>;
  /** The DNS side, when asked for: PowerDNS's port, or why it is off. */
  readonly dns?: DemoDns;
  /** The bearer token admin changes need (printed in the banner). */
  readonly adminToken: string;
  /** Where the front delivers a client address now (undefined: no site announces). */
  ingressFor(address: string): string | undefined;
  /** Stops every backend of the site (its gateway keeps running and has to cope). */
  kill(siteId: string): Promise<void>;
  /** Starts the site's backends again on their ports. */
  revive(siteId: string): Promise<void>;
  /** The control datacenters in fleet mode (empty otherwise). */
  readonly controlDatacenters: readonly string[];
  /** The TLS front and the CA its clients trust, or why TLS is off; absent: not asked for. */
  readonly tls?: { readonly url: string; readonly caCert: string } | { readonly off: string };
  close(): Promise<void>;
}

const TRUSTED_PROXIES = ["127.0.0.0/8", "::1/128"];
const GATEWAY_GRACE_MS = 1_000;

interface GatewaySettings {
  readonly host: string;
  readonly logLevel: NonNullable<DemoWorldOptions["logLevel"]>;
  readonly locate: (address: string) => ClientLocation;
  readonly geoip: string;
  /** The site whose gateway answers DNS, if any. */
  readonly dnsSite?: string;
  readonly adminToken: string;
  /** Each gateway's state directory is a folder of this one. */
  readonly stateRoot: string;
  readonly fleet: DemoFleet | undefined;
  /** The demo's certificates; absent: no TLS listener. */
  readonly pki: DemoPki | undefined;
}

export async function startDemoWorld(options: DemoWorldOptions = {}): Promise<DemoWorld> {
  const { host = "127.0.0.1", frontPort = 8080, adminPort = 9090, logLevel = "warn" } = options;
  const adminToken = options.adminToken ?? randomBytes(18).toString("base64url");
  const world = loadWorld(REFERENCE_CATALOGUE, REFERENCE_POLICY);
  if (!world.ok) throw new Error(world.errors.map(formatConfigError).join("\n"));
  const geoipFile = options.geoip ?? DEMO_GEOIP;
  const geoip = openGeoipSource(geoipFile);
  const locate = (address: string) => geoip.locate(address);
  const sites = world.catalogue.sites;
  // Filled once the fixed ports are taken; until then nothing announces.
  const gateways = new Map<string, RunningGateway>();
  const backends = new Map<string, readonly WanBackend[]>();
  // Without a place of record, the world's admin stores an override in every gateway (each
  // its own local override, labelled so); in fleet mode each gateway's own path is used.
  const everyGateway: AdminContext["applyOverride"] = async (siteId, override, request) => {
    for (const gateway of gateways.values())
      await gateway.admin.applyOverride(siteId, override, { ...request, local: true });
    return {
      scope: "local",
      fleetWide: false,
      storedIn: [`each of the demo world's ${gateways.size} gateways, as its own local override`],
      note: "npm start -- --fleet stores overrides in a place of record (the hubs' Consul KV)",
    };
  };
  const defaultIngress = sites.find((s) => s.tier === "hub")?.id ?? sites[0]?.id ?? "";
  // In fleet mode the first hub's gateway writes the override to the place of record, and the
  // world's admin (an ops console) answers once every gateway applied it from its own watch.
  const throughFleet: AdminContext["applyOverride"] = async (siteId, override, request) => {
    const writer = gateways.get(defaultIngress);
    if (!writer) throw new Error(`no gateway at ${defaultIngress}`);
    const receipt = await writer.admin.applyOverride(siteId, override, request);
    if (request.local) return receipt;
    await everyGatewayHolds(gateways, siteId, override, 5_000);
    return { ...receipt, writtenBy: defaultIngress, appliedBy: `all ${gateways.size} gateways` };
  };
  const stateRoot = mkdtempSync(join(tmpdir(), "demo-world-state-"));
  let fleet: DemoFleet | undefined;
  const eachBackend = (siteId: string, act: (b: WanBackend) => Promise<void>) =>
    Promise.all((backends.get(siteId) ?? []).map(act)).then(() => undefined);
  const kill = (siteId: string) => eachBackend(siteId, (b) => b.kill());
  const revive = (siteId: string) => eachBackend(siteId, (b) => b.revive());

  const front = createAnycastFront({
    sites,
    gatewayOf: (id) => {
      const gateway = gateways.get(id);
      return gateway && { url: gateway.url, isAnnouncing: () => gateway.ready().ready };
    },
    locate,
    trusted: createTrustedProxies(TRUSTED_PROXIES),
  });
  const admin = createDemoAdmin({
    gateways,
    defaultIngress,
    ingressFor: front.ingressFor,
    locate,
    applyOverride: options.fleet ? throughFleet : everyGateway,
    adminToken,
    kill,
    revive,
    world: () => worldReport(sites, gateways, backends, front.deliveries()),
  });
  const tlsFront = createTlsFront({
    ingressFor: front.ingressFor,
    tlsUrlOf: (id) => gateways.get(id)?.tlsUrl,
  });
  let dns: DemoDns | undefined;
  const close = async () => {
    if (dns?.on) await dns.stop();
    await Promise.all([front.close(), tlsFront.close(), closeServer(admin)]);
    await stopSites(gateways, backends, GATEWAY_GRACE_MS);
    await fleet?.close();
    geoip.close();
    rmSync(stateRoot, { recursive: true, force: true });
  };
  try {
    // The fixed ports first: a taken one fails before anything else starts.
    await listen(front.server, "front", host, frontPort);
    await listen(admin, "admin", host, adminPort);
    const made = options.tlsPort === undefined ? undefined : demoPki(options.pkiFolder);
    const pki = made && !("off" in made) ? made : undefined;
    if (pki) await listen(tlsFront.server, "tls", host, options.tlsPort ?? 0);
    for (const [siteId, list] of await startBackends(sites, host)) backends.set(siteId, list);
    const catalogue = withBackends(world.catalogue, backends);
    const dnsSite = options.dnsPort === undefined ? undefined : firstHub(sites);
    if (options.fleet) fleet = await startDemoFleet(catalogue);
    const settings = {
      ...{ host, logLevel, locate, adminToken, geoip: geoipFile },
      ...{ dnsSite, stateRoot, fleet, pki },
    };
    for (const [siteId, gateway] of await startGateways(catalogue, world.policy, settings))
      gateways.set(siteId, gateway);
    const endpointUrl = dnsSite && gateways.get(dnsSite)?.dnsUrl;
    if (endpointUrl && options.dnsPort !== undefined)
      dns = await startDemoDns(endpointUrl, options.dnsPort);
    const [frontUrl, adminUrl] = [urlOf(front.server), urlOf(admin)];
    const { ingressFor } = front; // DemoWorld's, delegated: the front is where clients go
    const controlDatacenters = fleet?.controlDatacenters ?? [];
    const started = { frontUrl, adminUrl, catalogue, gateways, backends, adminToken, ingressFor };
    const tls = pki
      ? { url: tlsUrlOf(tlsFront.server), caCert: pki.caCert }
      : made && "off" in made && { off: made.off };
    return {
      ...started,
      ...(dns && { dns }),
      ...(tls && { tls }),
      kill,
      revive,
      controlDatacenters,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The TLS front's address as clients write it: localhost, the name its certificate carries. */
function tlsUrlOf(server: Server): string {
  const { address, port } = server.address() as AddressInfo;
  const loopback = address === "127.0.0.1" || address === "::1";
  return `https://${loopback ? "localhost" : address}:${port}`;
}

const firstHub = (sites: readonly SiteConfig[]) =>
  sites.find((s) => s.tier === "hub")?.id ?? sites[0]?.id ?? "";

/** One gateway per site, on port 0, each with its own state directory (and datacenter). */
async function startGateways(
  catalogue: CatalogueConfig,
  policy: PolicyConfig,
  settings: GatewaySettings,
): Promise<Map<string, RunningGateway>> {
  const started = await Promise.all(
    catalogue.sites.map(async (site) => {
      const consul = settings.fleet?.forSite(site.id);
      const boot = bootSchema.parse({
        site: site.id,
        catalogue: REFERENCE_CATALOGUE,
        policy: REFERENCE_POLICY,
        listen: { host: settings.host, port: 0 },
        admin: { host: settings.host, port: 0 },
        siteHeaders: true,
        trustedProxies: TRUSTED_PROXIES,
        stateDirectory: join(settings.stateRoot, site.id),
        log: { level: settings.logLevel, requests: false },
        ...(site.id === settings.dnsSite && {
          geoip: settings.geoip,
          dns: demoDnsBoot(settings.host),
        }),
        ...(consul && { consul: consul.boot }),
        ...(settings.pki && { tls: demoTlsBoot(settings.pki, settings.host) }),
      });
      const { locate, adminToken } = settings;
      const gateway = await startGateway({
        ...{ boot, catalogue, policy, locate, adminToken },
        ...(consul && { consul: { address: consul.address } }),
      });
      return [site.id, gateway] as const;
    }),
  );
  return new Map(started);
}

/** Resolves once every gateway's state holds the override; past `timeoutMs`, not applied. */
async function everyGatewayHolds(
  gateways: ReadonlyMap<string, RunningGateway>,
  siteId: string,
  override: Parameters<typeof holdsOverride>[1],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const lagging = () =>
    [...gateways].filter(([, g]) => !holdsOverride(g.state.inputs.overrides[siteId], override));
  while (lagging().length > 0) {
    if (Date.now() > deadline)
      throw new OverrideNotAppliedError(
        `not applied by ${lagging()
          .map(([id]) => id)
          .join(", ")} within ${timeoutMs} ms`,
      );
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
