/**
 * Everything Consul does for one gateway, started and stopped together: discovery of Consul
 * sites' backends, network coordinates, the fleet (the place of record: overrides, policy,
 * membership) with its override writes, and self-registration with the local agent (once the
 * servers listen). All of it through one client (health/consul/consul-http.ts).
 */
import { consulCoordinates } from "./consul-coordinates.ts";
import { consulDiscovery } from "./consul-discovery.ts";
import { type Registration, registerGateway } from "./consul-registration.ts";
import { type FleetParts, type FleetWiring, startFleet } from "./fleet-wiring.ts";

export interface ConsulWiring {
  readonly status: () => readonly unknown[];
  /** The place of record, when `consul.kvPrefix` is set. */
  readonly fleet: FleetWiring | undefined;
  register(url: string, adminUrl: string): Promise<void>;
  stop(): Promise<void>;
}

export interface ConsulWiringOptions extends FleetParts {
  readonly clock: () => number;
}

/**
 * The home datacenter — the boot's `consul.datacenter`, else the site's in the catalogue at
 * start — is where coordinates are measured from, and the place of record when the boot names
 * no control datacenters ("dc1", Consul's default, when neither says).
 */
export function startConsulWiring(options: ConsulWiringOptions): ConsulWiring {
  const { http, boot, state, metrics, logger, clock } = options;
  const discovery = consulDiscovery(
    http,
    state,
    { waitMs: boot.consul.waitMs, recoveryProbeMs: boot.consul.recoveryProbeMs },
    clock,
  );
  metrics.trackConsul(discovery.status, clock);
  const homeDatacenter =
    boot.consul.datacenter ??
    state.catalogue.sites.find((s) => s.id === boot.site)?.consul?.datacenter;
  const controls = boot.consul.controlDatacenters;
  const fleet = boot.consul.kvPrefix
    ? startFleet({
        ...options,
        prefix: boot.consul.kvPrefix,
        datacenters: controls.length > 0 ? controls : [homeDatacenter ?? "dc1"],
        now: clock,
      })
    : undefined;
  const coordinates = homeDatacenter
    ? consulCoordinates(
        http,
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
    fleet,
    register: async (url, adminUrl) => {
      if (!boot.consul.register) return;
      const target = {
        site: boot.site,
        name: options.name,
        url,
        adminUrl,
        serviceName: boot.consul.serviceName,
        checkIntervalMs: boot.consul.checkIntervalMs,
      };
      registration = await registerGateway(http, target).catch((error: Error) => {
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
      await fleet?.stop();
      await http.close();
    },
  };
}
