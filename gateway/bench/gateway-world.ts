/**
 * The gateway's config for the benchmark, written as files for `gateway serve --config`:
 * one local edge site (bue) whose only backend is the benchmark's upstream, and a hub (iad)
 * to spill to (the upstream's second listener: a backend may be listed by one site only);
 * the reference world's kind of policy (a residency rule and a geo pin, both matching the
 * client's country, so the decision does its full work); GeoIP on with the demo database; every feature as production runs it:
 * trusted proxies (so X-Forwarded-For is read and located), breakers and metrics (always
 * on), one access-log line per request at info level (to the file the benchmark gives the
 * gateway as stdout, as a log shipper would read it). Site headers are off.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { DEMO_GEOIP } from "../config/config-files.ts";

export interface GatewayWorldSpec {
  /** host:port of the upstream: the local site's backend. */
  readonly upstream: string;
  /** host:port of the hub's backend. */
  readonly hub: string;
  /** The data-plane port (reserved by the caller: workers share it, so it cannot be 0). */
  readonly port: number;
}

/** Writes boot, catalogue and policy files into `dir`; returns the boot file's path. */
export function writeGatewayWorld(dir: string, spec: GatewayWorldSpec): string {
  const catalogue = {
    sites: [
      {
        id: "bue",
        name: "Buenos Aires",
        country: "AR",
        jurisdiction: "AR",
        latitude: -34.6037,
        longitude: -58.3816,
        tier: "edge",
        capacity: 10_000,
        backends: [spec.upstream],
      },
      {
        id: "iad",
        name: "Ashburn",
        country: "US",
        jurisdiction: "US",
        latitude: 39.0438,
        longitude: -77.4874,
        tier: "hub",
        capacity: 10_000,
        backends: [spec.hub],
      },
    ],
  };
  const policy = {
    defaults: {
      residency: [
        {
          name: "argentina-in-the-americas",
          clientCountries: ["AR", "UY"],
          allowJurisdictions: ["AR", "US"],
          mode: "fail-closed",
        },
      ],
      pins: [{ clientCountries: ["AR", "UY"], sites: ["bue", "iad"] }],
    },
    services: [{ name: "web", hosts: ["127.0.0.1", "localhost", "app.example.net"] }],
  };
  const boot = {
    site: "bue",
    name: "gw-bench",
    catalogue: "catalogue.yaml",
    policy: "policy.yaml",
    geoip: DEMO_GEOIP,
    listen: { host: "127.0.0.1", port: spec.port },
    admin: { host: "127.0.0.1", port: 0 },
    trustedProxies: ["127.0.0.0/8"],
    siteHeaders: false,
    limits: { shutdownGraceMs: 2_000 },
    stateDirectory: "state",
    log: { level: "info", requests: true },
  };
  writeFileSync(join(dir, "catalogue.yaml"), stringify(catalogue));
  writeFileSync(join(dir, "policy.yaml"), stringify(policy));
  const bootFile = join(dir, "gateway.yaml");
  writeFileSync(bootFile, stringify(boot));
  return bootFile;
}
