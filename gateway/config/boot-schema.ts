/**
 * Boot configuration of one gateway (`gateway serve --config FILE`): where it listens, which
 * site it is, where its routing config lives, and its limits. Separate from the routing
 * config (catalogue, policy), which can change at run time; this one needs a restart.
 * Relative paths are relative to the boot file's folder.
 */
import { z } from "zod";
import { DEFAULT_MAX_EJECTION_PERCENT } from "../../health/ejection-cap.ts";
import { DEFAULT_PROBE_SETTINGS } from "../../health/probes/probe-settings.ts";
import { SITE_ID_PATTERN } from "../../routing-tables/catalogue-schema.ts";
import { consulSchema } from "./consul-schema.ts";
import { dnsSchema } from "./dns-schema.ts";
import { limitsSchema, ms, pathsSchema } from "./limits-schema.ts";
import { tlsSchema } from "./tls-schema.ts";
import { uiSchema } from "./ui-schema.ts";

const port = z.number().int().min(0).max(65_535);

const breakerSchema = (volume: number, resetMs: number) =>
  z
    .strictObject({
      volumeThreshold: z
        .number()
        .int()
        .min(1)
        .max(100_000)
        .default(volume)
        .describe("requests in the window before it may open"),
      errorThresholdPercentage: z
        .number()
        .min(1)
        .max(100)
        .default(50)
        .describe("failure % in the window that opens it"),
      resetTimeoutMs: ms(resetMs, 600_000, "time open before a trial request"),
      rollingWindowMs: ms(10_000, 600_000, "rolling window for the failure %"),
    })
    .prefault({});

export const bootSchema = z.strictObject({
  site: z.string().regex(SITE_ID_PATTERN).describe("the site this gateway runs at (the ingress)"),
  name: z.string().min(1).max(64).optional().describe("name in Via and logs; default gw-<site>"),
  catalogue: z.string().min(1).describe("site catalogue file (YAML)"),
  policy: z.string().min(1).describe("routing policy file (YAML)"),
  geoip: z
    .string()
    .min(1)
    .optional()
    .describe("GeoIP2/GeoLite2 City database; absent: every location unknown"),
  listen: z
    .strictObject({
      host: z.string().default("0.0.0.0").describe("address to bind"),
      port: port.default(8080).describe("port; 0 picks a free one"),
    })
    .prefault({}),
  admin: z
    .strictObject({
      host: z.string().default("127.0.0.1").describe("admin API address"),
      port: port.default(9090).describe("admin API port; 0 picks a free one"),
      tokenEnv: z
        .string()
        .default("GATEWAY_ADMIN_TOKEN")
        .describe(
          "env var holding the bearer token every mutation needs (and every request off loopback); unset: a token generated at first start in `<stateDirectory>/admin-token`",
        ),
      hostNames: z
        .array(z.string().regex(/^[A-Za-z0-9.-]{1,253}$/, "a DNS name"))
        .max(64)
        .default([])
        .describe(
          "names the admin API answers to in Host besides IP literals, localhost and *.localhost (others: 403, so DNS rebinding cannot reach it)",
        ),
      overrideConfirmMs: ms(
        1_000,
        60_000,
        "how long an ops override may take to reach every worker before the call answers 503 override_not_applied",
      ),
    })
    .prefault({}),
  supervisor: z
    .strictObject({
      restartDelayMs: ms(
        100,
        60_000,
        "wait before a worker that died is forked again; doubles with each death inside the crash-loop window",
      ),
      restartDelayMaxMs: ms(5_000, 600_000, "the longest wait before a worker is forked again"),
      crashLoopRestarts: z
        .number()
        .int()
        .min(1)
        .max(1_000)
        .default(5)
        .describe(
          "worker deaths inside crashLoopWindowMs after which the gateway gives up and exits 1 (systemd restarts it)",
        ),
      crashLoopWindowMs: ms(60_000, 3_600_000, "the window crash-loop deaths are counted in"),
      startTimeoutMs: ms(
        30_000,
        600_000,
        "how long a worker may take to start and listen before the start counts as failed",
      ),
    })
    .prefault({}),
  stateDirectory: z
    .string()
    .min(1)
    .default("/var/lib/gateway")
    .describe(
      "where the gateway keeps state across restarts (the generated admin token, the last ops overrides and fleet sites it saw); the systemd unit's StateDirectory",
    ),
  workers: z
    .number()
    .int()
    .min(1)
    .max(256)
    .optional()
    .describe("processes sharing the port; default: the number of cores"),
  trustedProxies: z
    .array(z.string())
    .default([])
    .describe("CIDRs whose X-Forwarded-For / Forwarded are believed"),
  clientAddressHeader: z
    .enum(["x-forwarded-for", "forwarded"])
    .default("x-forwarded-for")
    .describe("header read from trusted proxies"),
  unknownHostStatus: z
    .union([z.literal(421), z.literal(404)])
    .default(421)
    .describe("status for a Host no service serves"),
  siteHeaders: z
    .boolean()
    .default(false)
    .describe("add x-gateway-ingress and x-gateway-site to responses"),
  limits: limitsSchema,
  paths: pathsSchema,
  allowTrace: z
    .boolean()
    .default(false)
    .describe(
      "forward TRACE; off: TRACE is answered 405 (as nginx), so no backend can echo a request's cookies back",
    ),
  upstream: z
    .strictObject({
      connections: z
        .number()
        .int()
        .min(1)
        .max(10_000)
        .default(128)
        .describe("connections per backend"),
      keepAliveTimeoutMs: ms(4_000, 600_000, "idle upstream connection closed after"),
      connectTimeoutMs: ms(2_000, 60_000, "connect timeout"),
      queueTimeoutMs: ms(
        2_000,
        600_000,
        "longest wait for a free connection to a backend whose connections are all busy, within the try's perTryTimeoutMs; then 503 upstream_saturated and the try moves on (HAProxy timeout queue, which defaults to timeout connect)",
      ),
    })
    .prefault({}),
  breakers: z
    .strictObject({
      site: breakerSchema(20, 5_000).describe("per site (capacity: the site's catalogue capacity)"),
      backend: breakerSchema(10, 5_000).describe("per backend"),
      backendCapacity: z
        .number()
        .int()
        .min(1)
        .max(1_000_000)
        .default(10_000)
        .describe("concurrent requests per backend"),
    })
    .prefault({}),
  // The prober checks its settings again (health/probes/probe-settings.ts): these defaults are
  // its defaults and these bounds lie inside its bounds, so a boot file that validates here
  // never makes the gateway throw at start. A test holds the two together.
  probes: z
    .strictObject({
      enabled: z
        .boolean()
        .default(true)
        .describe("probe every backend (the embedded default's health source)"),
      intervalMs: z
        .number()
        .int()
        .min(10)
        .max(600_000)
        .default(DEFAULT_PROBE_SETTINGS.intervalMs)
        .describe("time between probes of one backend (±jitter), ms"),
      jitterRatio: z
        .number()
        .min(0)
        .max(0.5)
        .default(DEFAULT_PROBE_SETTINGS.jitterRatio)
        .describe("± share of the interval, spreading probes"),
      timeoutMs: ms(
        DEFAULT_PROBE_SETTINGS.timeoutMs,
        60_000,
        "a probe without an answer by then failed",
      ),
      path: z
        .string()
        .regex(/^\/\S*$/, "a path starting with / and without spaces")
        .default(DEFAULT_PROBE_SETTINGS.path)
        .describe("path probed on each backend"),
      expectedStatus: z
        .strictObject({
          min: z.number().int().min(100).max(599),
          max: z.number().int().min(100).max(599),
        })
        .refine((range) => range.min <= range.max, "min is above max")
        .default({ min: 200, max: 399 })
        .describe("statuses that mean healthy"),
    })
    .prefault({}),
  consul: consulSchema.prefault({}),
  health: z
    .strictObject({
      passive: z
        .boolean()
        .default(true)
        .describe("request outcomes and breakers change site health"),
      evaluateIntervalMs: ms(250, 60_000, "how often site health is re-evaluated"),
      maxEjectionPercent: z
        .number()
        .min(0)
        .max(100)
        .default(DEFAULT_MAX_EJECTION_PERCENT)
        .describe(
          "share of the world's capacity passive evidence (breakers, error ratio, p99) may take out; the first site may always lose its own (Envoy max_ejection_percent), %",
        ),
    })
    .prefault({}),
  dns: dnsSchema.prefault({}),
  ui: uiSchema.prefault({}),
  tls: tlsSchema.prefault({}),
  log: z
    .strictObject({
      level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
      requests: z.boolean().default(true).describe("one access-log line per request"),
    })
    .prefault({}),
});

export type BootConfig = z.output<typeof bootSchema>;
