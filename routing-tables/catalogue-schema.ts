/**
 * The site catalogue: where the sites are and what runs in them.
 * Every field carries its unit, default and bounds; the README reference is generated
 * from this schema (see config-reference.ts), so the two cannot drift apart.
 */
import { BlockList } from "node:net";
import { z } from "zod";
import { isCountryCode } from "./countries.ts";

export const SITE_ID_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;
/** host:port with a port of 1 to 65535, spelled out digit by digit so one check gives one error. */
const PORT =
  "([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])";
const HOST_PORT_PATTERN = new RegExp(`^(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9.-]+):${PORT}$`);

const siteId = z
  .string()
  .regex(SITE_ID_PATTERN, "a site id is 1-32 characters: a lowercase letter, then a-z, 0-9 or -");

const siteFlags = z
  .strictObject({
    draining: z.boolean().default(false).describe("ops: take no new traffic; only ops clear it"),
    compromised: z
      .boolean()
      .default(false)
      .describe("ops/security: never route here, not even in panic; only ops clear it"),
    trafficDialPercent: z
      .number()
      .min(0)
      .max(100)
      .default(100)
      .describe("percent of the site's share it keeps; the rest spills to the hubs"),
  })
  .describe("ops flags of the site");

/**
 * A site's public address is handed to clients in DNS answers, so it must be one a client can
 * connect to. Refused: "this network" (0.0.0.0/8), multicast (224.0.0.0/4), reserved and
 * broadcast (240.0.0.0/4); IPv6 unspecified (::), multicast (ff00::/8) and IPv4-mapped
 * (::ffff:0:0/96: give publicIPv4 instead). Private and loopback ranges are allowed (a lab, a
 * private view).
 */
// Two lists: a BlockList matches an IPv4 address against an IPv4-mapped IPv6 subnet too.
const NOT_UNICAST_V4 = new BlockList();
NOT_UNICAST_V4.addSubnet("0.0.0.0", 8, "ipv4");
NOT_UNICAST_V4.addSubnet("224.0.0.0", 3, "ipv4");
const NOT_UNICAST_V6 = new BlockList();
NOT_UNICAST_V6.addAddress("::", "ipv6");
NOT_UNICAST_V6.addSubnet("ff00::", 8, "ipv6");
NOT_UNICAST_V6.addSubnet("::ffff:0:0", 96, "ipv6");

const isUnicastIPv4 = (address: string) => !NOT_UNICAST_V4.check(address, "ipv4");
const isUnicastIPv6 = (address: string) => !NOT_UNICAST_V6.check(address, "ipv6");

/** TLS to a site's backends: over the WAN, sites talk to each other encrypted. */
const upstreamTlsSchema = z
  .strictObject({
    ca: z
      .string()
      .min(1)
      .optional()
      .describe(
        "PEM file of the CAs the backends' certificates are checked against (relative to the catalogue); absent: Node's bundled root CAs",
      ),
    serverName: z
      .string()
      .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/, "a DNS name")
      .optional()
      .describe(
        "name sent as SNI and checked in the backends' certificates; absent: each backend's host",
      ),
    clientCert: z
      .string()
      .min(1)
      .optional()
      .describe("PEM file: a client certificate for backends that ask for one (with clientKey)"),
    clientKey: z.string().min(1).optional().describe("PEM file: the client certificate's key"),
  })
  .refine((tls) => (tls.clientCert === undefined) === (tls.clientKey === undefined), {
    message: "clientCert and clientKey go together",
  });

export const siteSchema = z.strictObject({
  id: siteId.describe("short stable id used everywhere else (pins, weights, metrics)"),
  name: z.string().min(1).max(80).describe("human name"),
  country: z
    .string()
    .refine(isCountryCode, "not an ISO 3166-1 alpha-2 country code (capitals)")
    .describe("ISO 3166-1 alpha-2 country the site stands in"),
  jurisdiction: z
    .string()
    .regex(/^[A-Z][A-Z0-9-]{1,15}$/, "capitals, digits and -, e.g. EU or TZ")
    .describe("legal area for residency rules, e.g. EU, TZ"),
  latitude: z.number().min(-90).max(90).describe("decimal degrees"),
  longitude: z.number().min(-180).max(180).describe("decimal degrees"),
  tier: z.enum(["edge", "hub"]).describe("edge: small site; hub: large spill-over target"),
  capacity: z
    .number()
    .int()
    .min(1)
    .max(10_000_000)
    .describe("maximum concurrent requests the site can serve"),
  backends: z
    .array(z.string().regex(HOST_PORT_PATTERN, "expected host:port"))
    .min(1)
    .optional()
    .describe("service instances as host:port (or give consul instead)"),
  upstreamTls: upstreamTlsSchema
    .optional()
    .describe("talk TLS to this site's backends; the certificate is always verified"),
  consul: z
    .strictObject({
      service: z.string().min(1).describe("Consul service name"),
      datacenter: z.string().min(1).describe("Consul datacenter of the site"),
    })
    .optional()
    .describe("discover backends in Consul instead of listing them"),
  publicIPv4: z
    .ipv4("expected an IPv4 address such as 192.0.2.10")
    .refine(isUnicastIPv4, "not a unicast address (0/8, multicast and 240/4 are refused)")
    .optional()
    .describe(
      "public unicast IPv4 address clients reach the site at; DNS steering answers it as A",
    ),
  publicIPv6: z
    .ipv6("expected an IPv6 address such as 2001:db8::10")
    .refine(isUnicastIPv6, "not a unicast address (::, ff00::/8 and IPv4-mapped are refused)")
    .optional()
    .describe(
      "public unicast IPv6 address clients reach the site at; DNS steering answers it as AAAA",
    ),
  flags: siteFlags.prefault({}),
});

export const catalogueSchema = z.strictObject({
  sites: z.array(siteSchema).min(1).describe("every site of the world, edges and hubs"),
});

export type SiteConfig = z.output<typeof siteSchema>;
export type CatalogueConfig = z.output<typeof catalogueSchema>;
