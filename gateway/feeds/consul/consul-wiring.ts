/**
 * Everything Consul does for one gateway, started and stopped together: discovery of Consul
 * sites' backends, network coordinates, the KV watch (policy and ops flags) with its
 * override writes, and self-registration with the local agent (once the servers listen).
 */
import type Consul from "consul";
import type { Logger } from "pino";
import type { ConsulConnection } from "../../../health/consul/consul-queries.ts";
import type { OpsOverride } from "../../../routing-tables/snapshot.ts";
import type { BootConfig } from "../../config/boot-schema.ts";
import type { GatewayMetrics } from "../../state/metrics.ts";
import type { RoutingState } from "../../state/routing-state.ts";
import { consulCoordinates } from "./consul-coordinates.ts";
import { consulDiscovery } from "./consul-discovery.ts";
import { startKvWatch } from "./consul-kv-wiring.ts";
import { type Registration, registerGateway } from "./consul-registration.ts";

export interface ConsulWiring {
  readonly status: () => readonly unknown[];
  /** Ops overrides go to KV when a prefix is set; undefined: apply them locally. */
  readonly writeOverride?: (siteId: string, override: OpsOverride | undefined) => Promise<void>;
  register(url: string, adminUrl: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `name` is this gateway's name (as in its Via entry), registered with the agent. The home
 * datacenter — the boot's `consul.datacenter`, else the site's in the catalogue at start —
 * is where coordinates are measured from and where the KV prefix is read ("dc1", Consul's
 * default, when neither says).
 */
export function startConsulWiring(
  consul: Consul,
  connection: ConsulConnection | undefined,
  boot: BootConfig,
  name: string,
  state: RoutingState,
  metrics: GatewayMetrics,
  logger: Logger,
  clock: () => number,
): ConsulWiring {
  const discovery = consulDiscovery(consul, state, boot.consul.waitMs, clock);
  metrics.trackConsul(discovery.status, clock);
  const homeDatacenter =
    boot.consul.datacenter ??
    state.inputs.catalogue.sites.find((s) => s.id === boot.site)?.consul?.datacenter;
  const { kvPrefix, waitMs } = boot.consul;
  const kv = kvPrefix
    ? startKvWatch(
        consul,
        { prefix: kvPrefix, datacenter: homeDatacenter ?? "dc1", waitMs },
        state,
        metrics,
        logger,
      )
    : undefined;
  const coordinates =
    connection && homeDatacenter
      ? consulCoordinates(
          connection,
          state,
          boot.site,
          homeDatacenter,
          boot.consul.coordinatesIntervalMs,
          (error) =>
            logger.warn({ err: error }, "network coordinates not read; the last estimate stands"),
        )
      : undefined;
  let registration: Registration | undefined;
  return {
    status: discovery.status,
    ...(kv && { writeOverride: kv.write }),
    register: async (url, adminUrl) => {
      if (!boot.consul.register) return;
      const target = {
        site: boot.site,
        name,
        url,
        adminUrl,
        serviceName: boot.consul.serviceName,
        checkIntervalMs: boot.consul.checkIntervalMs,
      };
      registration = await registerGateway(consul, target).catch((error: Error) => {
        logger.error({ err: error }, "could not register with the Consul agent; serving anyway");
        return undefined;
      });
    },
    stop: async () => {
      await registration
        ?.deregister()
        .catch((error: Error) => logger.warn({ err: error }, "deregistration failed"));
      await discovery.stop();
      coordinates?.stop();
      await kv?.stop();
    },
  };
}
