/**
 * A `/sites` answer read defensively: the ops view reads its own gateway's and, in fleet mode,
 * other gateways' (input from the network, so hostile until read). Every field is optional
 * and checked on its own: a field of the wrong type is dropped, not the whole answer; fields
 * the view does not know are ignored (the shape grows); every list is cut at a bound; a state
 * that is not one of the five is `unknown`, never `healthy`.
 */
import { z } from "zod";
import { SITE_ID_PATTERN } from "../../routing-tables/catalogue-schema.ts";

/** Bounds on what one answer may make the view hold. */
export const BODY_LIMITS = Object.freeze({
  sites: 1_024,
  backendsPerSite: 64,
  servicesPerSite: 64,
  overridesPerSite: 16,
  textChars: 200,
});

export const SITE_STATES = ["healthy", "degraded", "down", "draining", "compromised"] as const;
export type ReportedState = (typeof SITE_STATES)[number] | "unknown";

const { textChars } = BODY_LIMITS;
const text = z.string().transform((s) => s.slice(0, textChars));
const optional = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);
const finite = z.number().refine(Number.isFinite);
const siteId = z.string().regex(SITE_ID_PATTERN);
const isSiteState = (value: unknown): value is ReportedState =>
  (SITE_STATES as readonly unknown[]).includes(value);
const state = z
  .unknown()
  .optional()
  .transform((value) => (isSiteState(value) ? value : "unknown"));
const capped = <T extends z.ZodType>(item: T, max: number) =>
  z
    .array(z.unknown())
    .transform((list) => list.slice(0, max).flatMap((value) => keep(item, value)))
    .catch([]);

function keep<T extends z.ZodType>(schema: T, value: unknown): z.output<T>[] {
  const read = schema.safeParse(value);
  return read.success ? [read.data] : [];
}

const backend = z.object({
  address: text,
  breaker: optional(text),
  outstanding: optional(finite),
});

const shares = z
  .record(z.string(), z.unknown())
  .transform((record) =>
    Object.fromEntries(
      Object.entries(record)
        .slice(0, BODY_LIMITS.servicesPerSite)
        .filter((entry): entry is [string, number] => Number.isFinite(entry[1]))
        .map(([name, share]) => [name.slice(0, textChars), share]),
    ),
  )
  .catch({});

const siteRow = z.object({
  id: siteId,
  name: optional(text),
  tier: optional(z.enum(["edge", "hub"])),
  country: optional(text),
  latitude: optional(finite.min(-90).max(90)),
  longitude: optional(finite.min(-180).max(180)),
  capacity: optional(finite.min(0)),
  state,
  health: optional(finite.min(0).max(1)),
  dial: optional(finite.min(0).max(1)),
  rttMs: optional(finite.min(0)),
  shareFromHere: shares.optional().transform((s) => s ?? {}),
  breaker: optional(text),
  backends: capped(backend, BODY_LIMITS.backendsPerSite)
    .optional()
    .transform((b) => b ?? []),
});

const flags = z.object({
  draining: optional(z.boolean()),
  compromised: optional(z.boolean()),
  trafficDialPercent: optional(finite),
});

/** One override record as the fleet's `/sites` shows it (who, when, why, until when). */
const overrideRecord = z.object({
  scope: optional(text),
  flags: optional(flags),
  who: optional(text),
  at: optional(text),
  why: optional(text),
  expiresAt: optional(text),
});

const perSite = <T extends z.ZodType>(value: T) =>
  z
    .record(z.string(), z.unknown())
    .transform((record) =>
      Object.fromEntries(
        Object.entries(record)
          .filter(([id]) => SITE_ID_PATTERN.test(id))
          .slice(0, BODY_LIMITS.sites)
          .flatMap(([id, v]) => keep(value, v).map((read) => [id, read] as const)),
      ),
    )
    .catch({});

const sitesBodySchema = z.object({
  ingress: optional(siteId),
  snapshotVersion: optional(finite),
  rejectedConfig: z.unknown().optional(),
  overrides: perSite(flags)
    .optional()
    .transform((o) => o ?? {}),
  opsOverrides: perSite(capped(overrideRecord, BODY_LIMITS.overridesPerSite)).optional(),
  sites: capped(siteRow, BODY_LIMITS.sites),
  workers: optional(z.array(z.unknown()).transform((list) => list.length)),
});

export type SitesBody = z.output<typeof sitesBodySchema>;
export type SiteRow = SitesBody["sites"][number];
export type OverrideRecord = z.output<typeof overrideRecord>;

/** The answer as the view reads it, or why it cannot be read at all (not an object, no sites). */
export function readSitesBody(
  value: unknown,
): { ok: true; body: SitesBody } | { ok: false; error: string } {
  const sites = (value as { sites?: unknown } | null)?.sites;
  const read = Array.isArray(sites) ? sitesBodySchema.safeParse(value) : undefined;
  if (!read?.success) return { ok: false, error: "not a /sites answer (no list of sites)" };
  return { ok: true, body: read.data };
}
