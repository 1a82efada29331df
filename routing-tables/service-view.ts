/** A policy service resolved against the defaults and the catalogue, ready for decisions. */
import type { ServiceConfig, Tuning } from "./policy-schema.ts";

export interface ServiceView {
  readonly index: number;
  readonly name: string;
  readonly hosts: readonly string[];
  readonly pathPrefix: string;
  readonly tuning: Tuning;
}

/** A service's own fields replace the defaults' (whole values, no deep merge). */
export function resolveService(
  service: ServiceConfig,
  index: number,
  defaults: Tuning,
  _siteIndex: ReadonlyMap<string, number>,
): ServiceView {
  const tuning: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(service)) {
    if (value !== undefined && key in defaults) tuning[key] = value;
  }
  return Object.freeze({
    index,
    name: service.name,
    hosts: Object.freeze([...service.hosts]),
    pathPrefix: service.pathPrefix,
    tuning: Object.freeze(tuning) as Tuning,
  });
}
