/**
 * The boot config's `consul` section: where the gateway finds Consul, discovery's blocking
 * queries, the fleet's place of record (the control datacenters' KV), plug-and-play
 * membership and registration (gateway/feeds/consul/README.md). Units in the names, defaults
 * and bounds beside each field; the reference in gateway/config/README.md is generated from it.
 */
import { z } from "zod";

const ms = (fallback: number, max: number, text: string) =>
  z.number().int().min(1).max(max).default(fallback).describe(`${text}, ms`);

export const consulSchema = z.strictObject({
  enabled: z
    .boolean()
    .default(false)
    .describe(
      "use Consul (also on when CONSUL_HTTP_ADDR is set); address and token from CONSUL_HTTP_ADDR, CONSUL_HTTP_TOKEN",
    ),
  waitMs: ms(300_000, 600_000, "longest a blocking query is held (Consul's `wait`)"),
  datacenter: z
    .string()
    .min(1)
    .optional()
    .describe("this gateway's Consul datacenter; default: its site's `consul.datacenter`"),
  coordinatesIntervalMs: ms(30_000, 3_600_000, "how often network coordinates are polled"),
  kvPrefix: z
    .string()
    .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, "a KV path without leading or trailing /")
    .optional()
    .describe(
      "the fleet's KV prefix in the control datacenters (`sentinel`, `policy`, `flags/<site>`, `sites/<site>`, `audit/<time>-<site>`); set: ops overrides are stored there, fleet-wide",
    ),
  controlDatacenters: z
    .array(z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "a datacenter name"))
    .max(8)
    .default([])
    .describe(
      "the place of record: datacenters whose KV holds the fleet prefix, hubs first (every gateway reads them all over the WAN and writes to them all); empty: this gateway's own datacenter",
    ),
  registerSite: z
    .boolean()
    .default(false)
    .describe(
      "write this site's catalogue entry to `<kvPrefix>/sites/<site>` in the control datacenters at start, so every other gateway adds it (plug-and-play)",
    ),
  fleetLeaveAfterMs: ms(
    60_000,
    86_400_000,
    "a fleet site whose entry is gone from every readable control datacenter is removed after this long (never the last hub)",
  ),
  auditEntries: z
    .number()
    .int()
    .min(10)
    .max(10_000)
    .default(200)
    .describe("override records kept under `<kvPrefix>/audit/` in each control datacenter"),
  recoveryProbeMs: ms(
    500,
    60_000,
    "while Consul fails, how often a cheap `status/leader` asks whether it is back (the first good answer follows within about this)",
  ),
  register: z
    .boolean()
    .default(true)
    .describe("register this gateway with the local agent, with a check on /readyz"),
  serviceName: z
    .string()
    .min(1)
    .max(63)
    .default("gateway")
    .describe("the service name it registers as"),
  checkIntervalMs: ms(5_000, 600_000, "how often the agent checks /readyz"),
});
