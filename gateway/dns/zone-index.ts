/**
 * Which names the gateway answers, from the boot's zones and the policy's services: built
 * once per snapshot (a policy reload may add or drop hosts), read per look-up. Pure.
 *
 * - A zone's apex has its SOA and NS records.
 * - A service host inside a zone is a steered name: `www.example.test` in `web`'s hosts is
 *   answered with the address of the site `web`'s decision picks. A host written as a
 *   wildcard (`*.cdn.example.test`) answers every name below its suffix, as the HTTP router
 *   matches it; an exact host wins over a wildcard, a longer wildcard over a shorter. The
 *   catch-all host `*` names nothing here: a zone is not a catch-all, or no name in it could
 *   ever be NXDOMAIN.
 * - A name server's name inside its zone has its addresses (glue).
 * - A name between the apex and a name above is an empty non-terminal (NODATA, not NXDOMAIN).
 * - Anything else in a zone does not exist (NXDOMAIN); a name in no zone is not ours.
 */
import { matchService, type ServiceRouter } from "../../routing-tables/service-router.ts";
import type { ServiceView } from "../../routing-tables/service-view.ts";
import type { DnsZoneSettings } from "../config/dns-schema.ts";
import { isAtOrBelow, namesBetween } from "./dns-name.ts";

export type NameServerSettings = DnsZoneSettings["nameServers"][number];

export interface ZoneEntry {
  readonly settings: DnsZoneSettings;
  /** PowerDNS's domain id for the zone: its position in the boot's list, from 1. */
  readonly id: number;
}

/** What one name in a zone holds; several can hold at once (a service at the apex). */
export interface NameFacts {
  readonly zone: ZoneEntry;
  readonly apex: boolean;
  readonly service?: ServiceView;
  readonly nameServer?: NameServerSettings;
  readonly emptyNonTerminal: boolean;
}

export interface ZoneIndex {
  readonly zones: readonly ZoneEntry[];
  /** The zone a name is in (the longest apex it is at or below), or undefined. */
  zoneOf(name: string): ZoneEntry | undefined;
  /** What a normalized name holds; undefined when it does not exist in its zone or is in none. */
  factsOf(name: string): NameFacts | undefined;
}

export function buildZoneIndex(
  zoneSettings: readonly DnsZoneSettings[],
  services: readonly ServiceView[],
  router: ServiceRouter,
): ZoneIndex {
  const zones = zoneSettings.map((settings, i) => Object.freeze({ settings, id: i + 1 }));
  const byLength = [...zones].sort((a, b) => b.settings.name.length - a.settings.name.length);
  const zoneOf = (name: string) => byLength.find((zone) => isAtOrBelow(name, zone.settings.name));
  const exact = new Map<string, ServiceView>();
  const wildcards: [suffix: string, service: ServiceView][] = [];
  const owners: string[] = [];
  for (const service of services) {
    for (const host of service.hosts) {
      const wildcard = host.startsWith("*.");
      const owner = wildcard ? host.slice(2) : host;
      if (host === "*" || !zoneOf(owner)) continue;
      owners.push(wildcard ? host : owner);
      if (wildcard) wildcards.push([`.${owner}`, service]);
      else if (!exact.has(owner)) exact.set(owner, matchService(router, owner, "/") ?? service);
    }
  }
  wildcards.sort((a, b) => b[0].length - a[0].length);
  const nameServers = new Map<string, NameServerSettings>();
  for (const zone of zones) {
    for (const server of zone.settings.nameServers) {
      if (zoneOf(server.name) !== zone || nameServers.has(server.name)) continue;
      nameServers.set(server.name, server);
      owners.push(server.name);
    }
  }
  const between = new Set<string>();
  for (const owner of owners) {
    const zone = zoneOf(owner.startsWith("*.") ? owner.slice(2) : owner);
    if (zone) for (const name of namesBetween(owner, zone.settings.name)) between.add(name);
  }
  const serviceOf = (name: string) =>
    exact.get(name) ?? wildcards.find(([suffix]) => name.endsWith(suffix))?.[1];
  const factsOf = (name: string): NameFacts | undefined => {
    const zone = zoneOf(name);
    if (!zone) return undefined;
    const facts: NameFacts = {
      zone,
      apex: name === zone.settings.name,
      ...optional("service", serviceOf(name)),
      ...optional("nameServer", nameServers.get(name)),
      emptyNonTerminal: between.has(name),
    };
    const exists = facts.apex || facts.service || facts.nameServer || facts.emptyNonTerminal;
    return exists ? facts : undefined;
  };
  return { zones: Object.freeze(zones), zoneOf, factsOf };
}

const optional = <K extends string, V>(key: K, value: V | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;
