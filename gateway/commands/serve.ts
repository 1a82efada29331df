/**
 * `gateway serve --config FILE [--workers N]`: run one site's gateway. SIGHUP (or a change of
 * the catalogue or policy file) reloads the routing config; SIGTERM and SIGINT drain and exit.
 * With --workers N > 1, N processes share the port (SO_REUSEPORT) and each runs the whole
 * gateway; ops overrides then need a shared store (Consul KV), so the admin port is
 * per worker at admin.port + worker index.
 */
import cluster from "node:cluster";
import { availableParallelism } from "node:os";
import type { Logger } from "pino";
import { connectionFromEnv, consulClient } from "../../health/consul/consul-queries.ts";
import { adminToken } from "../admin/admin-token.ts";
import { openGeoipSource } from "../client-facts/geoip-source.ts";
import type { BootConfig } from "../config/boot-schema.ts";
import { loadWorld } from "../config/config-files.ts";
import { describeErrors, loadBoot } from "../config/load-boot.ts";
import { configReloader } from "../feeds/config-reloader.ts";
import { startGateway } from "../process/start-gateway.ts";
import { type CommandIo, EXIT_INVALID, EXIT_OK, EXIT_USAGE, parseCommandArgs } from "./io.ts";

export const SERVE_USAGE = `usage: gateway serve --config FILE [--workers N]
  Runs the gateway of one site. The boot config (YAML) names the site, the catalogue and
  policy files, the GeoIP database, the listen and admin addresses and the limits.`;

export async function serveCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const options = { config: { type: "string" }, workers: { type: "string" } } as const;
  const parsed = parseCommandArgs("serve", SERVE_USAGE, { args: [...args], options }, io);
  if (!parsed) return EXIT_USAGE;
  const { values } = parsed;
  if (!values.config) {
    io.err(SERVE_USAGE);
    return EXIT_USAGE;
  }
  const loaded = loadBoot(values.config);
  if (!loaded.ok) {
    io.err(describeErrors(loaded.errors));
    return EXIT_INVALID;
  }
  const workers = Number(values.workers ?? loaded.boot.workers ?? availableParallelism());
  if (!Number.isInteger(workers) || workers < 1) {
    io.err("gateway serve: --workers takes a whole number ≥ 1");
    return EXIT_USAGE;
  }
  if (workers > 1 && cluster.isPrimary) return runPrimary(workers, io);
  const index = cluster.isPrimary ? 0 : Number(process.env.GATEWAY_WORKER_INDEX ?? 0);
  return runWorker(loaded.boot, index, workers > 1, io);
}

function runPrimary(workers: number, io: CommandIo): Promise<number> {
  for (let i = 0; i < workers; i++) cluster.fork({ GATEWAY_WORKER_INDEX: String(i) });
  io.out(`gateway: ${workers} workers started`);
  const forward = (signal: NodeJS.Signals) => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  process.on("SIGHUP", () => forward("SIGHUP"));
  return new Promise((resolve) => {
    process.once("SIGTERM", () => forward("SIGTERM"));
    process.once("SIGINT", () => forward("SIGINT"));
    cluster.on("exit", () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) resolve(EXIT_OK);
    });
  });
}

async function runWorker(
  boot: BootConfig,
  index: number,
  shared: boolean,
  io: CommandIo,
): Promise<number> {
  const world = loadWorld(boot.catalogue, boot.policy);
  if (!world.ok) {
    io.err(describeErrors(world.errors));
    return EXIT_INVALID;
  }
  // A stop signal that comes while the gateway is still starting is kept, not lost to
  // Node's default action, and acted on once the gateway is up.
  let stopAsked: (() => void) | undefined;
  const stopSignal = new Promise<void>((resolve) => {
    stopAsked = resolve;
  });
  process.once("SIGTERM", () => stopAsked?.());
  process.once("SIGINT", () => stopAsked?.());
  // Consul is on when the boot says so or CONSUL_HTTP_ADDR is set to an address (an empty
  // value counts as unset, as connectionFromEnv reads it).
  const consulConnection =
    boot.consul.enabled || process.env.CONSUL_HTTP_ADDR ? connectionFromEnv() : undefined;
  // A GeoIP reload (SIGHUP or a changed file) that fails keeps the last good database: say so.
  // Before the gateway's logger exists, the word goes to stderr.
  let logger: Logger | undefined;
  const geoipReloaded = (ok: boolean, error?: Error) => {
    if (ok) logger?.info({ file: boot.geoip }, "GeoIP database reloaded");
    else if (logger) logger.error({ err: error }, "GeoIP reload failed; the last good serves");
    else io.err(`gateway: GeoIP reload failed; the last good serves: ${error?.message}`);
  };
  const geoip = boot.geoip
    ? openGeoipSource(boot.geoip, { watch: true, onReload: geoipReloaded })
    : undefined;
  const gateway = await startGateway({
    boot: shared
      ? {
          ...boot,
          admin: { ...boot.admin, port: boot.admin.port === 0 ? 0 : boot.admin.port + index },
        }
      : boot,
    catalogue: world.catalogue,
    policy: world.policy,
    reusePort: shared,
    ...(geoip && { locate: (address: string) => geoip.locate(address) }),
    adminToken: adminToken(boot, process.env, io.err),
    ...(consulConnection && {
      consul: consulClient(consulConnection),
      consulConnection,
    }),
  });
  logger = gateway.logger;
  // With the policy in Consul KV, a reload takes only the catalogue from disk.
  const kvHoldsPolicy = consulConnection !== undefined && boot.consul.kvPrefix !== undefined;
  const reloader = configReloader(
    boot,
    gateway.state,
    gateway.metrics,
    gateway.logger,
    true,
    !kvHoldsPolicy,
  );
  process.on("SIGHUP", () => {
    reloader.reload();
    geoip?.reload();
  });
  await stopSignal;
  // A second stop signal cuts the shutdown delay short (the drain itself still runs).
  process.once("SIGTERM", () => void gateway.shutdown());
  process.once("SIGINT", () => void gateway.shutdown());
  reloader.close();
  geoip?.close();
  await gateway.shutdown();
  // A cluster worker's IPC channel keeps it alive: let go of it so the process can end.
  cluster.worker?.disconnect();
  return EXIT_OK;
}
