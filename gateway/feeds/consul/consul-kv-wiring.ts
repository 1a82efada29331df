/**
 * Consul KV in a running gateway: the watcher (policy and ops flags under the boot's
 * `consul.kvPrefix`), its rejections counted and logged, and the admin API's overrides written
 * to KV by check-and-set, so every gateway, this one included, applies them from the watch.
 */
import type Consul from "consul";
import type { Logger } from "pino";
import { formatConfigError } from "../../../routing-tables/config-error.ts";
import type { OpsOverride } from "../../../routing-tables/snapshot.ts";
import type { GatewayMetrics } from "../../state/metrics.ts";
import type { RoutingState } from "../../state/routing-state.ts";
import { watchConsulKv, writeOverrideToKv } from "./consul-kv.ts";

export interface KvWatchSettings {
  /** KV prefix without a trailing slash. */
  readonly prefix: string;
  /** The datacenter whose KV holds the prefix: this gateway's own. */
  readonly datacenter: string;
  /** Blocking-query wait, ms. */
  readonly waitMs: number;
}

export function startKvWatch(
  consul: Consul,
  settings: KvWatchSettings,
  state: RoutingState,
  metrics: GatewayMetrics,
  logger: Logger,
) {
  const { prefix, datacenter, waitMs } = settings;
  const controller = new AbortController();
  const watching = watchConsulKv({
    consul,
    prefix,
    datacenter,
    state,
    signal: controller.signal,
    waitMs,
    onRejected: (errors) => {
      metrics.configRejected.inc();
      logger.error(
        { errors: errors.map(formatConfigError) },
        "Consul KV refused; the last good kept",
      );
    },
  });
  return {
    write: async (siteId: string, override: OpsOverride | undefined): Promise<void> => {
      if (!(await writeOverrideToKv(consul, prefix, datacenter, siteId, override))) {
        throw new Error("lost every check-and-set race; try again");
      }
    },
    stop: async () => {
      controller.abort();
      await watching;
    },
  };
}
