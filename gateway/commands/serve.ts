/**
 * `gateway serve --config FILE [--workers N]`: run one site's gateway — a primary process
 * (the control plane and the admin API, process/supervisor.ts) and N worker processes (the
 * data planes, process/worker-main.ts) sharing the listening port. N = 1 is the same path.
 * SIGHUP (or a change of the catalogue or policy file) reloads; SIGTERM drains and exits.
 */
import cluster from "node:cluster";
import { availableParallelism } from "node:os";
import { connectionFromEnv } from "../../health/consul/consul-connection.ts";
import type { ClientLocation } from "../../routing-tables/client.ts";
import { adminToken } from "../admin/admin-token.ts";
import { type GeoipSource, openGeoipSource } from "../client-facts/geoip-source.ts";
import type { BootConfig } from "../config/boot-schema.ts";
import { loadWorld, ownSiteErrors } from "../config/config-files.ts";
import { describeErrors, loadBoot } from "../config/load-boot.ts";
import { startControlPlane } from "../process/control-plane.ts";
import type { HeldSignals } from "../process/early-signals.ts";
import { gatewayLogger } from "../process/start-gateway.ts";
import { runSupervisor } from "../process/supervisor.ts";
import { runWorker } from "../process/worker-main.ts";
import { tlsErrors } from "../tls/tls-errors.ts";
import { geoipErrors } from "./geoip-errors.ts";
import { type CommandIo, EXIT_INVALID, EXIT_USAGE, parseCommandArgs } from "./io.ts";

/** The gateway could not start, or gave up (a crash loop): systemd's Restart=on-failure. */
const EXIT_FAILED = 1;

export const SERVE_USAGE = `usage: gateway serve --config FILE [--workers N]
  Runs the gateway of one site: a primary process (control plane, admin API) and N worker
  processes (data plane; default: the boot's workers, else one per core). The boot config
  (YAML) names the site, the catalogue and policy files, the GeoIP database, the listen and
  admin addresses and the limits.
  Signals: SIGHUP reloads; SIGTERM drains once (repeats change nothing); SIGINT drains, a
  second SIGINT or a SIGQUIT stops at once.`;

export async function serveCommand(
  args: readonly string[],
  io: CommandIo,
  signals: HeldSignals,
): Promise<number> {
  // A worker gets everything from its primary (its boot config included): it reads no file.
  if (cluster.isWorker) {
    const code = await runWorker(signals);
    // The IPC channel would keep a worker that is done (or could not start) alive.
    if (process.connected) process.disconnect();
    return code;
  }
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
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) {
    io.err("gateway serve: --workers takes a whole number from 1 to 256");
    return EXIT_USAGE;
  }
  return runPrimary(loaded.boot, values.config, workers, io, signals);
}

async function runPrimary(
  boot: BootConfig,
  bootFile: string,
  workers: number,
  io: CommandIo,
  signals: HeldSignals,
): Promise<number> {
  const world = loadWorld(boot.catalogue, boot.policy);
  const errors = world.ok
    ? [
        ...ownSiteErrors(world.catalogue, boot.site, boot.catalogue),
        ...geoipErrors(boot.geoip),
        ...tlsErrors(boot, world.catalogue, bootFile),
      ]
    : world.errors;
  if (!world.ok || errors.length > 0) {
    io.err(describeErrors(errors));
    return EXIT_INVALID;
  }
  const logger = gatewayLogger(boot);
  process.on("uncaughtException", (error) => {
    logger.fatal({ err: error }, "uncaught exception in the primary: exiting");
    logger.flush();
    process.exit(1);
  });
  // Consul is on when the boot says so or CONSUL_HTTP_ADDR is set to an address (an empty
  // value counts as unset, as connectionFromEnv reads it).
  const consulConnection =
    boot.consul.enabled || process.env.CONSUL_HTTP_ADDR ? connectionFromEnv() : undefined;
  // With the policy in Consul KV, a reload takes only the catalogue from disk.
  const kvHoldsPolicy = consulConnection !== undefined && boot.consul.kvPrefix !== undefined;
  const control = await startControlPlane({
    boot,
    catalogue: world.catalogue,
    policy: world.policy,
    logger,
    adminToken: adminToken(boot, process.env, io.err),
    ...(consulConnection && { consul: consulConnection }),
    configFiles: { watch: true, policyFromFile: !kvHoldsPolicy },
    ...(boot.geoip && { locate: lazyLocator(boot.geoip) }),
  }).catch((error: Error) => {
    io.err(`gateway serve: cannot start: ${error.message}`);
    return undefined;
  });
  if (!control) return EXIT_FAILED;
  // Log lines wait in a 4 KiB buffer: flushed every second, so none waits long.
  const flusher = setInterval(() => logger.flush(), 1_000);
  flusher.unref();
  const code = await runSupervisor({ boot, workers, control, logger, signals });
  clearInterval(flusher);
  logger.info({ code }, "gateway stopped");
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
  // Whatever handle a library left open must not keep a stopped gateway's process alive.
  setTimeout(() => process.exit(code), 1_000).unref();
  return code;
}

/**
 * GeoIP in the primary, for the admin API's what-if rows only: opened at the first use (the
 * workers hold their own for requests), so a primary that never simulates never loads it.
 */
function lazyLocator(file: string): (address: string) => ClientLocation {
  let source: GeoipSource | undefined;
  return (address) => {
    source ??= openGeoipSource(file);
    return source.locate(address);
  };
}
