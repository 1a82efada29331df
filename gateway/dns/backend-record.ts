/**
 * One record as the remote backend returns it, and the zone's own records: SOA, NS and the
 * name servers' addresses. Pure.
 */
import type { DnsSettings } from "../config/dns-schema.ts";
import type { NameServerSettings, ZoneEntry } from "./zone-index.ts";

/**
 * `{qtype, qname, content, ttl, domain_id, scopeMask}` as PowerDNS's remote backend reads a
 * look-up's answer. `qtype` "" is an empty non-terminal: the name exists and holds nothing,
 * so PowerDNS answers NODATA (its SQL backends mark such names the same way).
 */
export interface BackendRecord {
  readonly qtype: string;
  readonly qname: string;
  readonly content: string;
  /** Seconds. */
  readonly ttl: number;
  readonly domain_id: number;
  /** The ECS scope: leading bits of the client's address this answer holds for. */
  readonly scopeMask?: number;
}

/**
 * SOA timers, seconds. The zone has no secondaries that transfer it (every PowerDNS asks its
 * own gateway), so refresh, retry and expire only need to be sane (RFC 1912's ranges).
 */
export const SOA_REFRESH_SECONDS = 10_800;
export const SOA_RETRY_SECONDS = 3_600;
export const SOA_EXPIRE_SECONDS = 1_209_600;

/** `ops@example.test` → `ops.example.test` (the SOA's RNAME); default `hostmaster.<zone>`. */
export function rname(zone: ZoneEntry): string {
  const { hostmaster, name } = zone.settings;
  return hostmaster ? hostmaster.replace("@", ".") : `hostmaster.${name}`;
}

/**
 * The zone's SOA: MNAME its first name server, the serial given (the gateway's start time in
 * seconds: answers change with every snapshot, not with a zone file), MINIMUM the negative TTL.
 */
export function soaRecord(
  qname: string,
  zone: ZoneEntry,
  settings: DnsSettings,
  serial: number,
): BackendRecord {
  const primary = zone.settings.nameServers[0]?.name ?? zone.settings.name;
  const timers = `${SOA_REFRESH_SECONDS} ${SOA_RETRY_SECONDS} ${SOA_EXPIRE_SECONDS}`;
  return {
    qtype: "SOA",
    qname,
    content: `${primary}. ${rname(zone)}. ${serial} ${timers} ${settings.negativeTtlSeconds}`,
    ttl: settings.zoneTtlSeconds,
    domain_id: zone.id,
  };
}

export function nsRecords(qname: string, zone: ZoneEntry, settings: DnsSettings): BackendRecord[] {
  return zone.settings.nameServers.map((server) => ({
    qtype: "NS",
    qname,
    content: `${server.name}.`,
    ttl: settings.zoneTtlSeconds,
    domain_id: zone.id,
  }));
}

export function nameServerAddresses(
  qname: string,
  server: NameServerSettings,
  zone: ZoneEntry,
  settings: DnsSettings,
): BackendRecord[] {
  const record = (qtype: string, content: string) => ({
    qtype,
    qname,
    content,
    ttl: settings.zoneTtlSeconds,
    domain_id: zone.id,
  });
  return [
    ...(server.ipv4 ? [record("A", server.ipv4)] : []),
    ...(server.ipv6 ? [record("AAAA", server.ipv6)] : []),
  ];
}

/** The empty non-terminal marker (see BackendRecord): NODATA for every type. */
export function emptyNonTerminal(qname: string, zone: ZoneEntry): BackendRecord {
  return { qtype: "", qname, content: "", ttl: 0, domain_id: zone.id };
}
