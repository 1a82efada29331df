/**
 * The ops routing policy: per service, how to steer, when to spill, what residency allows.
 * `defaults` holds a full tuning; a service may set any of the same fields, and a field it
 * sets replaces the default's whole value (no deep merge: what you read is what applies).
 */
import { z } from "zod";
import { SITE_ID_PATTERN } from "./catalogue-schema.ts";
import { CONTINENT_CODES, isCountryCode } from "./countries.ts";

const siteId = z.string().regex(SITE_ID_PATTERN, "expected a site id");
const countryCode = z.string().refine(isCountryCode, "not an ISO 3166-1 alpha-2 country code");
const regionCode = z
  .string()
  .regex(/^[A-Z]{2}-[A-Z0-9]{1,3}$/, "an ISO 3166-2 code such as TZ-15")
  .refine((code) => isCountryCode(code.slice(0, 2)), "the region's country is not ISO 3166-1");
const continentCode = z.enum(CONTINENT_CODES);
const ratio = z.number().min(0).max(1);

const clientMatch = {
  clientCountries: z.array(countryCode).default([]).describe("ISO 3166-1 alpha-2 codes"),
  clientRegions: z.array(regionCode).default([]).describe("ISO 3166-2 subdivision codes"),
  clientContinents: z.array(continentCode).default([]).describe("continent codes (AF … SA)"),
};

export const residencyRuleSchema = z.strictObject({
  name: z.string().min(1).max(80).describe("shown in decisions and errors"),
  ...clientMatch,
  allowJurisdictions: z
    .array(z.string().min(1))
    .min(1)
    .describe("jurisdictions (catalogue `jurisdiction`) that may serve these clients"),
  mode: z
    .enum(["fail-closed", "fail-open"])
    .default("fail-closed")
    .describe("fail-closed: 503 residency_blocked when no allowed site is usable"),
});

export const geoPinSchema = z.strictObject({
  ...clientMatch,
  sites: z
    .array(siteId)
    .min(1)
    .describe("preferred order; hubs listed here also set the spill order"),
});

const spillSchema = z.strictObject({
  errorRatio: z
    .strictObject({
      degradedAbove: ratio.default(0.05).describe("failure share that starts spill"),
      downAbove: ratio.default(0.5).describe("share at which the site counts as down"),
    })
    .prefault({})
    .describe(
      "share of tries that failed: refused connects, resets, timeouts; 502–504 only as passiveHealth says",
    ),
  latency: z
    .strictObject({
      sloP99Ms: z.number().min(1).max(600_000).default(500).describe("p99 latency objective, ms"),
      degradedAboveRatio: z
        .number()
        .min(1)
        .max(100)
        .default(1)
        .describe("p99/SLO that starts spill"),
      downAboveRatio: z.number().min(1).max(100).default(4).describe("p99/SLO counted as down"),
    })
    .prefault({})
    .describe("p99 latency against the service's objective"),
  saturation: z
    .strictObject({
      degradedAbove: ratio.default(0.8).describe("in-flight/capacity that starts spill"),
      downAbove: z
        .number()
        .min(0)
        .max(10)
        .default(1.2)
        .describe("in-flight/capacity counted as down"),
    })
    .prefault({})
    .describe("in-flight requests against the site's capacity"),
  recoverBelowFactor: z
    .number()
    .min(0.1)
    .max(1)
    .default(0.8)
    .describe("hysteresis: a signal clears only below threshold × this factor"),
  rampUpMs: z
    .number()
    .int()
    .min(0)
    .max(3_600_000)
    .default(30_000)
    .describe("ramp back: time for a recovered site to regain its full share, ms"),
  proximityScaleMs: z
    .number()
    .min(1)
    .max(1000)
    .default(20)
    .describe("each this many ms of extra RTT cut a hub's spill weight by e (≈2.7×)"),
});

const retrySchema = z.strictObject({
  maxAttempts: z
    .number()
    .int()
    .min(1)
    .max(10)
    .default(3)
    .describe("tries per request, first included"),
  budgetPercent: z
    .number()
    .min(0)
    .max(100)
    .default(20)
    .describe("retries ≤ this % of active requests"),
  minConcurrent: z.number().int().min(0).max(10_000).default(3).describe("retries always allowed"),
  perTryTimeoutMs: z.number().int().min(1).max(600_000).default(15_000).describe("ms per try"),
  maxReplayableBodyBytes: z
    .number()
    .int()
    .min(0)
    .max(1_048_576)
    .default(65_536)
    .describe("a request body up to this size is kept for a retry, bytes"),
});

/**
 * Which upstream answers count against a site's health (breakers, error ratio). Transport
 * failures (refused or timed-out connects, resets, timeouts before the response) always
 * count; an upstream 5xx is the application's answer to one request, which a client can
 * provoke at will, so by default none counts (Envoy: split_external_local_origin_errors
 * with only consecutive_local_origin_failure enforced) and active probes judge the service.
 */
const passiveHealthSchema = z.strictObject({
  countStatuses: z
    .enum(["none", "gateway"])
    .default("none")
    .describe(
      "none: no upstream status counts as a failure; gateway: 502, 503 and 504 count (Envoy's consecutive_gateway_failure), once corroborated",
    ),
  minDistinctClients: z
    .number()
    .int()
    .min(1)
    .max(16)
    .default(3)
    .describe("a counted status needs this many client networks (/24, /64) seeing it in 10 s"),
  minDistinctPaths: z
    .number()
    .int()
    .min(1)
    .max(16)
    .default(3)
    .describe("… and this many paths (query left out)"),
});

/**
 * HTTP Strict Transport Security (RFC 6797) on a service's answers over HTTPS; never over plain
 * HTTP (§7.2: a header there could be injected by anyone on the path).
 */
const hstsSchema = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe("send Strict-Transport-Security on this service's answers over HTTPS"),
    maxAgeSeconds: z
      .number()
      .int()
      .min(0)
      .max(315_360_000)
      .default(63_072_000)
      .describe("how long browsers keep to HTTPS (Mozilla: 2 years); 0 makes them forget, s"),
    includeSubDomains: z.boolean().default(false).describe("every subdomain too"),
    preload: z
      .boolean()
      .default(false)
      .describe(
        "ask for browsers' preload lists (hstspreload.org: needs includeSubDomains, ≥ 1 year)",
      ),
  })
  .refine((hsts) => !hsts.preload || (hsts.includeSubDomains && hsts.maxAgeSeconds >= 31_536_000), {
    message: "preload needs includeSubDomains and maxAgeSeconds of at least 31536000",
  });

const tuningFields = {
  steering: z
    .enum(["nearest", "latency", "weighted"])
    .default("nearest")
    .describe("nearest: lowest RTT; latency: RTT + service time; weighted: by weights"),
  weights: z
    .record(siteId, z.number().min(0).max(1000))
    .default({})
    .describe("per-site weight for `weighted` steering (0 = none)"),
  trafficDialPercent: z
    .record(siteId, z.number().min(0).max(100))
    .default({})
    .describe("per-site percent of its share kept; the rest spills to the hubs"),
  drain: z.array(siteId).default([]).describe("sites that get no traffic for this service"),
  overprovisioningFactor: z
    .number()
    .min(1)
    .max(10)
    .default(1.4)
    .describe("a degraded site keeps min(1, health × factor) of its share (as Envoy)"),
  panicThresholdPercent: z
    .number()
    .min(0)
    .max(100)
    .default(50)
    .describe("below this usable % of capacity, spread over all non-compromised sites"),
  hubOrder: z.array(siteId).default([]).describe("spill order over hubs; empty: by proximity"),
  residency: z
    .array(residencyRuleSchema)
    .default([])
    .describe("most specific match wins: region, country, continent"),
  pins: z
    .array(geoPinSchema)
    .default([])
    .describe("most specific match wins: region, country, continent"),
  spill: spillSchema.prefault({}).describe("when a site starts to shed load, and where it goes"),
  passiveHealth: passiveHealthSchema
    .prefault({})
    .describe("which upstream statuses count against a site's health"),
  retry: retrySchema
    .prefault({})
    .describe("retries on another site (idempotent requests; others only after a refused connect)"),
  hsts: hstsSchema
    .prefault({})
    .describe("Strict-Transport-Security on answers over HTTPS (never over plain HTTP)"),
  clientCertificate: z
    .enum(["off", "required"])
    .default("off")
    .describe(
      "required: a request without a client certificate verified by the boot's tls.clientCa is refused 403 client_certificate_required (mTLS; plain HTTP too)",
    ),
  dryRun: z
    .boolean()
    .default(false)
    .describe("report this policy's decision, route as the defaults"),
};

export const tuningSchema = z.strictObject(tuningFields);

const hostPattern = z
  .string()
  .regex(
    /^(\*|(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*)$/,
    "a lowercase host name, *.domain, or *",
  );

/** A service's own fields: the tuning fields without their defaults (unset = the default's). */
const serviceFields = Object.fromEntries(
  Object.entries(tuningFields).map(([key, schema]) => [key, schema.unwrap().optional()]),
) as {
  [K in keyof typeof tuningFields]: z.ZodOptional<ReturnType<(typeof tuningFields)[K]["unwrap"]>>;
};

export const serviceSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,62}$/, "lowercase letters, digits and -")
    .describe("unique; used in metrics, logs and decisions"),
  hosts: z.array(hostPattern).min(1).describe("Host values served; exact beats *.domain beats *"),
  pathPrefix: z.string().startsWith("/").default("/").describe("longest matching prefix wins"),
  ...serviceFields,
});

export const policySchema = z.strictObject({
  defaults: tuningSchema.prefault({}).describe("tuning every service starts from"),
  services: z.array(serviceSchema).min(1).describe("matched by Host, then path prefix"),
});

export type Tuning = z.output<typeof tuningSchema>;
export type ResidencyRule = z.output<typeof residencyRuleSchema>;
export type GeoPin = z.output<typeof geoPinSchema>;
export type ServiceConfig = z.output<typeof serviceSchema>;
export type PolicyConfig = z.output<typeof policySchema>;
export type SpillThresholds = Tuning["spill"];
export type RetryPolicy = Tuning["retry"];
export type PassiveHealthPolicy = Tuning["passiveHealth"];
export type Steering = Tuning["steering"];
export type HstsPolicy = Tuning["hsts"];
