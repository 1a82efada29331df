/**
 * The fleet in a running gateway: the place of record (the control datacenters' KV under
 * `consul.kvPrefix`) watched, its overrides absorbed by the override book (newest generation
 * wins, absence changes nothing, persisted), its policy validated and applied, its site entries
 * turned into members; this site registered when `consul.registerSite`; and the admin API's
 * fleet-wide overrides written to every control datacenter.
 */
import type { Logger } from "pino";
import { HAPROXY_RISE_FALL } from "../../../health/backend-state.ts";
import type { ConsulHttp } from "../../../health/consul/consul-http.ts";
import type { ProbeSettings } from "../../../health/probes/probe-settings.ts";
import type { SiteConfig } from "../../../routing-tables/catalogue-schema.ts";
import { formatConfigError } from "../../../routing-tables/config-error.ts";
import type { BootConfig } from "../../config/boot-schema.ts";
import type { GatewayMetrics } from "../../state/metrics.ts";
import type { OverrideAction } from "../../state/override-record.ts";
import type { RoutingState } from "../../state/routing-state.ts";
import { stateFile } from "../../state/state-file.ts";
import type { OverrideBook } from "../override-book.ts";
import { createFleetMembership, SITES_FILE, sitesFileSchema } from "./fleet-membership.ts";
import { fleetPolicyApplier } from "./fleet-policy.ts";
import { registerFleetSite } from "./fleet-registration.ts";
import { watchFleet } from "./fleet-watch.ts";
import { type FleetReceipt, writeFleetOverride } from "./fleet-writer.ts";

export interface FleetWiring {
  /** Stores an override fleet-wide: every control datacenter, the receipt says where. */
  write(site: string, action: OverrideAction, token?: string): Promise<FleetReceipt>;
  readonly datacenters: readonly string[];
  /** True while at least one control datacenter is readable. */
  readable(): boolean;
  status(): unknown;
  stop(): Promise<void>;
}

/** What the fleet shares with the rest of the Consul wiring. */
export interface FleetParts {
  readonly http: ConsulHttp;
  readonly boot: BootConfig;
  /** This gateway's name (as in its Via entry). */
  readonly name: string;
  readonly state: RoutingState;
  readonly book: OverrideBook;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  readonly probe: ProbeSettings;
}

export interface FleetSettings extends FleetParts {
  readonly prefix: string;
  /** The control datacenters, in order (the boot's, else this gateway's own). */
  readonly datacenters: readonly string[];
  readonly now: () => number;
}

export function startFleet(settings: FleetSettings): FleetWiring {
  const { http, boot, prefix, datacenters, state, book, logger, now } = settings;
  const applyPolicy = fleetPolicyApplier(state, prefix, {
    onRejected: (errors) => {
      settings.metrics.configRejected.inc();
      logger.error(
        { errors: errors.map(formatConfigError) },
        "the place of record refused; the last good kept",
      );
    },
  });
  const membership = createFleetMembership({
    state,
    http,
    file: stateFile(boot.stateDirectory, SITES_FILE, sitesFileSchema),
    probe: settings.probe,
    rise: HAPROXY_RISE_FALL.rise,
    leaveAfterMs: boot.consul.fleetLeaveAfterMs,
    via: settings.name,
    now,
    logger,
  });
  const readableEntries = (): Record<string, SiteConfig> | undefined => {
    const readable = watch.status().filter((s) => s.readable);
    if (readable.length === 0) return undefined;
    const union: Record<string, SiteConfig> = {};
    for (const dc of [...datacenters].reverse()) {
      if (!readable.some((s) => s.datacenter === dc)) continue;
      Object.assign(union, watch.contents().get(dc)?.sites); // the first datacenter's entry wins
    }
    return union;
  };
  const watch = watchFleet({
    http,
    prefix,
    datacenters,
    waitMs: boot.consul.waitMs,
    recoveryProbeMs: boot.consul.recoveryProbeMs,
    now,
    onContent: (_dc, content) => {
      book.absorbFleet(content.records);
      const preferred = datacenters.map((dc) => watch.contents().get(dc)).find((c) => c);
      applyPolicy(preferred?.policyText, preferred?.errors ?? content.errors);
      membership.observe(readableEntries());
    },
    onStatus: (status) => {
      const level = status.readable ? "info" : "error";
      logger[level](
        { datacenter: status.datacenter, reason: status.reason },
        status.readable
          ? "place of record readable"
          : "place of record unreadable: the last known overrides stand",
      );
      membership.observe(readableEntries());
    },
  });
  settings.metrics.trackFleet(watch.status, now);
  const registering = new AbortController();
  const ownEntry = state.inputs.catalogue.sites.find((s) => s.id === boot.site);
  const registered =
    boot.consul.registerSite && ownEntry
      ? registerFleetSite({ http, prefix, datacenters }, ownEntry, registering.signal, logger)
      : Promise.resolve();
  return {
    datacenters,
    write: (site, action, token) =>
      writeFleetOverride(
        { http, prefix, datacenters, via: settings.name, auditEntries: boot.consul.auditEntries },
        { site, action, knownGeneration: book.generationOf(site), token },
      ),
    readable: () => watch.status().some((s) => s.readable),
    status: () => ({
      prefix,
      controlPlane: {
        readable: watch.status().some((s) => s.readable),
        datacenters: watch.status().map((s) => ({
          ...s,
          ...(s.lastAnswerAtMs !== undefined && {
            lastAnswerAt: new Date(s.lastAnswerAtMs).toISOString(),
          }),
        })),
      },
      membership: membership.status(),
      audit: datacenters.map((dc) => watch.contents().get(dc)).find((c) => c)?.audit ?? [],
    }),
    stop: async () => {
      registering.abort();
      await registered;
      await watch.stop();
      await membership.stop();
    },
  };
}
