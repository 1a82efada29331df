/**
 * Consul KV in a running gateway: the watcher (policy and ops flags under `consul.kvPrefix`),
 * its rejections counted in the config metrics, and the admin API's overrides written to KV
 * by check-and-set, so every gateway, this one included, applies them from the watch.
 */
import type Consul from "consul";
import type { Logger } from "pino";
import type { OpsOverride } from "../../routing-tables/snapshot.ts";
import type { GatewayMetrics } from "../admin/metrics.ts";
import type { BootConfig } from "../config/boot-schema.ts";
import { type KvWatchStatus, watchConsulKv, writeOverrideToKv } from "./consul-kv.ts";
import type { RoutingState } from "./routing-state.ts";

export function startKvWatch(
  consul: Consul,
  boot: BootConfig,
  state: RoutingState,
  metrics: GatewayMetrics,
  logger: Logger,
) {
  const prefix = boot.consul.kvPrefix ?? "gateway";
  const datacenter =
    boot.consul.datacenter ??
    state.inputs.catalogue.sites.find((s) => s.id === boot.site)?.consul?.datacenter ??
    "dc1";
  const controller = new AbortController();
  let status: KvWatchStatus | undefined;
  const watching = watchConsulKv({
    consul,
    prefix,
    datacenter,
    state,
    signal: controller.signal,
    waitMs: boot.consul.waitMs,
    onStatus: (next) => {
      status = next;
    },
    onRejected: (errors) => {
      metrics.configRejected.inc();
      metrics.configRejectedActive.set(1);
      logger.error(
        { errors: errors.map((e) => `${e.file}:${e.line}: ${e.path}: ${e.message}`) },
        "Consul KV refused; the last good kept",
      );
    },
    onApplied: (applied) => {
      if (applied.errors.length === 0) metrics.configRejectedActive.set(0);
    },
  });
  return {
    status: () => status,
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
