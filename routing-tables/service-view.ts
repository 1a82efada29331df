/** A policy service resolved against the defaults and the snapshot, ready for decisions. */
import type { ServiceConfig, Tuning } from "./policy-schema.ts";
import { buildServiceTables, type ServiceTables } from "./service-tables.ts";
import type { SiteView } from "./snapshot.ts";

export interface ServiceView {
  readonly index: number;
  readonly name: string;
  readonly hosts: readonly string[];
  readonly pathPrefix: string;
  readonly tables: ServiceTables;
  /** For a `dryRun` service: the defaults' tables, which route while the service's report. */
  readonly routeAs?: ServiceTables;
}

/** A service's own fields replace the defaults' (whole values, no deep merge). */
export function resolveTuning(service: ServiceConfig, defaults: Tuning): Tuning {
  const tuning: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(service)) {
    if (value !== undefined && key in defaults) tuning[key] = value;
  }
  return Object.freeze(tuning) as Tuning;
}

/**
 * `defaultsTables` gives the defaults' tables, which every dry-run service routes as: built
 * once per snapshot by the caller, and only when a service asks for them.
 */
export function resolveService(
  service: ServiceConfig,
  index: number,
  defaults: Tuning,
  sites: readonly SiteView[],
  siteIndex: ReadonlyMap<string, number>,
  defaultsTables: () => ServiceTables,
): ServiceView {
  const tuning = resolveTuning(service, defaults);
  const routeAs = tuning.dryRun ? defaultsTables() : undefined;
  return Object.freeze({
    index,
    name: service.name,
    hosts: Object.freeze([...service.hosts]),
    pathPrefix: service.pathPrefix,
    tables: buildServiceTables(tuning, sites, siteIndex),
    ...(routeAs && { routeAs }),
  });
}
