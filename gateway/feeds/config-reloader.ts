/**
 * Reload the catalogue and policy on demand (SIGHUP) or when either file changes: validate
 * both as a whole, swap atomically when good, keep the last good and report when not (the
 * state's rejection, which the `gateway_config_rejected` gauge reads).
 */
import type { Logger } from "pino";
import type { CatalogueConfig } from "../../routing-tables/catalogue-schema.ts";
import { type ConfigError, formatConfigError } from "../../routing-tables/config-error.ts";
import { loadCatalogueFor, loadWorld, ownSiteErrors } from "../config/config-files.ts";
import { watchFiles as watchConfigFiles } from "../config/watch-files.ts";
import type { GatewayMetrics } from "../state/metrics.ts";
import type { RoutingState } from "../state/routing-state.ts";

export interface Reloader {
  reload(): boolean;
  close(): void;
}

export function configReloader(
  /** The files, and the site of the gateway reloading them (its catalogue must hold it). */
  files: { readonly catalogue: string; readonly policy: string; readonly site?: string },
  state: RoutingState,
  metrics: GatewayMetrics,
  logger: Logger,
  watchFiles = true,
  /**
   * False when Consul KV holds the policy: then a reload takes only the catalogue from disk,
   * checked against the policy serving (not the policy file, which is not in use).
   */
  policyFromFile = true,
  /**
   * More checks of a catalogue about to be served (its upstream TLS files): any error refuses
   * the reload as a config error would.
   */
  vet: (catalogue: CatalogueConfig) => readonly ConfigError[] = () => [],
): Reloader {
  const reload = (): boolean => {
    const loaded = policyFromFile
      ? loadWorld(files.catalogue, files.policy)
      : loadCatalogueFor(files.catalogue, state.inputs.policy);
    // A catalogue without this gateway's own site would leave it no ingress: refused whole.
    const ownSite =
      loaded.ok && files.site !== undefined
        ? ownSiteErrors(loaded.catalogue, files.site, files.catalogue)
        : [];
    const vetted = loaded.ok && ownSite.length === 0 ? vet(loaded.catalogue) : [];
    const refused = [...ownSite, ...vetted];
    const world = refused.length > 0 ? { ok: false as const, errors: refused } : loaded;
    if (!world.ok) {
      state.reject(world.errors);
      metrics.configRejected.inc();
      logger.error(
        { errors: world.errors.map(formatConfigError) },
        "config refused; the last good config keeps serving",
      );
      return false;
    }
    state.setConfig(
      policyFromFile
        ? { catalogue: world.catalogue, policy: world.policy }
        : { catalogue: world.catalogue },
    );
    logger.info({ version: state.snapshot.version }, "config reloaded");
    return true;
  };
  // The folders watched, debounced; polling when watching fails (config/watch-files.ts).
  const watch = watchFiles
    ? watchConfigFiles([files.catalogue, files.policy], reload, {
        onError: (err, during) =>
          during === "watch"
            ? logger.warn({ err }, "config files: watch failed; polling them instead")
            : logger.error({ err }, "config reload failed; the last good config keeps serving"),
      })
    : undefined;
  return { reload, close: () => watch?.close() };
}
