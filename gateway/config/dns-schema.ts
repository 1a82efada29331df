/**
 * The boot config's `dns` section: the DNS-answer listener PowerDNS's remote backend asks
 * (gateway/dns/README.md), its zones and TTLs. Units in the names, defaults and bounds beside
 * each field; the reference in gateway/config/README.md is generated from it.
 */
import { z } from "zod";

const port = z.number().int().min(0).max(65_535);
const seconds = (fallback: number, min: number, max: number, text: string) =>
  z.number().int().min(min).max(max).default(fallback).describe(`${text}, s`);

/** A host name as DNS zones and name servers are given: lowercase labels, no trailing dot. */
export const DNS_NAME_PATTERN =
  /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;
const dnsName = z
  .string()
  .regex(DNS_NAME_PATTERN, "a DNS name in lowercase without the trailing dot, e.g. example.test");

const nameServerSchema = z.strictObject({
  name: dnsName.describe("the name server's host name (NS record)"),
  ipv4: z.ipv4().optional().describe("its IPv4 address, answered (as glue) when inside the zone"),
  ipv6: z.ipv6().optional().describe("its IPv6 address, answered when inside the zone"),
});

const zoneSchema = z.strictObject({
  name: dnsName.describe(
    "the zone apex; every policy service host inside it (exact or *.wildcard) is answered",
  ),
  hostmaster: z
    .email()
    .optional()
    .refine((e) => e === undefined || !e.split("@")[0]?.includes("."), "no dot before the @")
    .describe("the zone's contact (SOA RNAME); default hostmaster@<zone>"),
  nameServers: z
    .array(nameServerSchema)
    .min(1)
    .max(13)
    .describe("the zone's name servers, primary first (SOA MNAME, NS records)"),
});

export const dnsSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        "serve the answers PowerDNS's remote backend asks for, on a listener of the control plane",
      ),
    listen: z
      .strictObject({
        host: z.string().default("127.0.0.1").describe("address to bind (PowerDNS runs beside it)"),
        port: port.default(8053).describe("port; 0 picks a free one"),
      })
      .prefault({}),
    zones: z
      .array(zoneSchema)
      .max(64)
      .default([])
      .refine(
        (zones) => new Set(zones.map((zone) => zone.name)).size === zones.length,
        "a zone is listed twice",
      )
      .describe("zones answered (at least one when enabled)"),
    ttlSeconds: seconds(
      30,
      0,
      86_400,
      "TTL of steered A/AAAA answers: failover reaches a client after detection + this",
    ),
    zoneTtlSeconds: seconds(3_600, 1, 604_800, "TTL of SOA, NS and name-server addresses"),
    negativeTtlSeconds: seconds(
      30,
      0,
      86_400,
      "how long resolvers keep a NODATA or NXDOMAIN (SOA minimum)",
    ),
    whenBlocked: z
      .enum(["nodata", "servfail"])
      .default("nodata")
      .describe(
        "answer when no site may serve the client (residency fail-closed, nothing usable): NODATA, or SERVFAIL (resolvers retry and may serve stale)",
      ),
    maxConnections: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(64)
      .describe("connections the listener holds open (PowerDNS keeps one per backend thread)"),
  })
  .refine((dns) => !dns.enabled || dns.zones.length > 0, {
    message: "dns.enabled needs at least one zone",
    path: ["zones"],
  });

export type DnsSettings = z.output<typeof dnsSchema>;
export type DnsZoneSettings = DnsSettings["zones"][number];
