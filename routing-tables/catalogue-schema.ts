/**
 * The site catalogue: where the sites are and what runs in them.
 * Every field carries its unit, default and bounds; the README reference is generated
 * from this schema (see config-reference.ts), so the two cannot drift apart.
 */
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
  consul: z
    .strictObject({
      service: z.string().min(1).describe("Consul service name"),
      datacenter: z.string().min(1).describe("Consul datacenter of the site"),
    })
    .optional()
    .describe("discover backends in Consul instead of listing them"),
  flags: siteFlags.prefault({}),
});

export const catalogueSchema = z.strictObject({
  sites: z.array(siteSchema).min(1).describe("every site of the world, edges and hubs"),
});

export type SiteConfig = z.output<typeof siteSchema>;
export type CatalogueConfig = z.output<typeof catalogueSchema>;
