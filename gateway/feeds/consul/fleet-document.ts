/**
 * What the fleet's KV prefix says, read by pure functions (fetch → pure transform → publish,
 * STYLE.md 2). The layout under `<prefix>`, in every control datacenter:
 *
 *   <prefix>/sentinel          any value: its presence proves the prefix is visible. A list
 *                              without it is "not visible" (an ACL that hides the prefix
 *                              answers a 404 exactly like an empty one), never "no overrides".
 *   <prefix>/policy            the routing policy, YAML: the same document as the policy file
 *   <prefix>/flags/<siteId>    one site's ops override, JSON: { "compromised"?, "draining"?,
 *                              "trafficDialPercent"?, "generation", "who", "at", "why",
 *                              "expiresAt"?, "restored"? } (`restored: true` and no flag: an
 *                              explicit restore, which is a record like any other)
 *   <prefix>/sites/<siteId>    a site's catalogue entry (the catalogue's site schema, JSON):
 *                              plug-and-play membership
 *   <prefix>/audit/<ms>-<site>-<nonce>   one override as it was written (bounded history)
 *
 * Any other key is ignored. Bounds: at most MAX_ENTRIES pairs are read, a value over
 * MAX_VALUE_BYTES is refused by its key; every problem names its key as the file.
 */
import { z } from "zod";
import {
  SITE_ID_PATTERN,
  type SiteConfig,
  siteSchema,
} from "../../../routing-tables/catalogue-schema.ts";
import { type ConfigError, wholeFileError } from "../../../routing-tables/config-error.ts";
import { errorList } from "../../../routing-tables/error-list.ts";
import { parseYamlSource, schemaErrors } from "../../../routing-tables/yaml-source.ts";
import { type OverrideRecord, type RecordSet, recordFacts } from "../../state/override-record.ts";

/** One decoded KV pair; `value` is null for a key with no value. */
export interface KvEntry {
  readonly key: string;
  readonly value: string | null;
}

export const MAX_ENTRIES = 4_096;
export const MAX_VALUE_BYTES = 64 * 1024;
/** Audit records shown in /sites (the newest). */
export const AUDIT_SHOWN = 20;

export interface FleetContent {
  readonly sentinel: boolean;
  readonly policyText: string | undefined;
  /** Valid override records by site. */
  readonly records: RecordSet;
  /** Valid catalogue entries by site id. */
  readonly sites: Readonly<Record<string, SiteConfig>>;
  /** The newest audit records, oldest first, as written. */
  readonly audit: readonly unknown[];
  /** Every problem with a flag or site document, each naming its key as the file. */
  readonly errors: readonly ConfigError[];
}

const isoTime = z.iso.datetime({ offset: true });
export const recordDocSchema = z.strictObject({
  draining: z.boolean().optional(),
  compromised: z.boolean().optional(),
  trafficDialPercent: z.number().min(0).max(100).optional(),
  generation: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  who: z.string().max(300).optional(),
  at: isoTime.optional(),
  why: z.string().max(1_000).optional(),
  expiresAt: isoTime.optional(),
  restored: z.literal(true).optional(),
  via: z.string().max(100).optional(),
});

/** The name errors give a key: `consul-kv:<key>`. */
export const kvFile = (key: string): string => `consul-kv:${key}`;

export const flagKey = (prefix: string, site: string) => `${prefix}/flags/${site}`;
export const siteKey = (prefix: string, site: string) => `${prefix}/sites/${site}`;
export const sentinelKey = (prefix: string) => `${prefix}/sentinel`;
export const auditPrefix = (prefix: string) => `${prefix}/audit/`;

export function readFleetContent(entries: readonly KvEntry[], prefix: string): FleetContent {
  const records: Record<string, OverrideRecord> = {};
  const sites: Record<string, SiteConfig> = {};
  const errors: ConfigError[] = [];
  const audit: string[] = [];
  let sentinel = false;
  let policyText: string | undefined;
  if (entries.length > MAX_ENTRIES)
    errors.push(
      wholeFileError(kvFile(`${prefix}/`), `over ${MAX_ENTRIES} keys: the rest is not read`),
    );
  for (const { key, value } of entries.slice(0, MAX_ENTRIES)) {
    const text = value ?? "";
    if (key === sentinelKey(prefix)) sentinel = true;
    else if (Buffer.byteLength(text) > MAX_VALUE_BYTES)
      errors.push(wholeFileError(kvFile(key), `over ${MAX_VALUE_BYTES} bytes`));
    else if (key === `${prefix}/policy`) policyText = text;
    else if (key.startsWith(auditPrefix(prefix))) audit.push(text);
    else readKeyed(prefix, key, text, { records, sites, errors });
  }
  return {
    sentinel,
    policyText,
    records,
    sites,
    audit: audit.slice(-AUDIT_SHOWN).map(parseLoosely),
    errors,
  };
}

interface Collected {
  readonly records: Record<string, OverrideRecord>;
  readonly sites: Record<string, SiteConfig>;
  readonly errors: ConfigError[];
}

function readKeyed(prefix: string, key: string, text: string, into: Collected): void {
  const folder = ["flags", "sites"].find((f) => key.startsWith(`${prefix}/${f}/`));
  if (folder === undefined || key.endsWith("/")) return;
  const site = key.slice(`${prefix}/${folder}/`.length);
  if (!SITE_ID_PATTERN.test(site)) {
    into.errors.push(wholeFileError(kvFile(key), `"${site}" is not a site id`));
    return;
  }
  if (folder === "flags") {
    const { value, errors } = readRecord(kvFile(key), text);
    into.errors.push(...errors);
    if (value) into.records[site] = value;
  } else {
    const { value, errors } = readSite(kvFile(key), text, site);
    into.errors.push(...errors);
    if (value) into.sites[site] = value;
  }
}

/** A JSON document checked by a schema; schema errors located by line (JSON is YAML 1.2). */
function readJson<S extends z.ZodType>(
  file: string,
  text: string,
  schema: S,
): { value?: z.output<S>; errors: ConfigError[] } {
  try {
    JSON.parse(text);
  } catch (error) {
    return { errors: [wholeFileError(file, `not a JSON document: ${(error as Error).message}`)] };
  }
  const errors = errorList();
  const source = parseYamlSource(file, text, errors);
  if (!source || errors.count() > 0) return { errors: errors.list() };
  const result = schema.safeParse(source.data);
  if (result.success) return { value: result.data, errors: [] };
  schemaErrors(source, result.error, errors);
  return { errors: errors.list() };
}

/** A flag document → an override record (a document without metadata: generation 0). */
export function readRecord(
  file: string,
  text: string,
): { value?: OverrideRecord; errors: ConfigError[] } {
  const { value: doc, errors } = readJson(file, text, recordDocSchema);
  if (!doc) return { errors };
  const flags = {
    ...(doc.draining !== undefined && { draining: doc.draining }),
    ...(doc.compromised !== undefined && { compromised: doc.compromised }),
    ...(doc.trafficDialPercent !== undefined && { trafficDialPercent: doc.trafficDialPercent }),
  };
  const value: OverrideRecord = {
    flags,
    generation: doc.generation ?? 0,
    who: doc.who ?? "unknown (no who in the document)",
    atMs: doc.at ? Date.parse(doc.at) : 0,
    why: doc.why ?? "",
    ...(doc.expiresAt && { expiresAtMs: Date.parse(doc.expiresAt) }),
  };
  return { value, errors: [] };
}

function readSite(
  file: string,
  text: string,
  id: string,
): { value?: SiteConfig; errors: ConfigError[] } {
  const result = readJson(file, text, siteSchema);
  if (!result.value) return result;
  if (result.value.id !== id)
    return {
      errors: [wholeFileError(file, `the entry's id "${result.value.id}" is not its key's`)],
    };
  return result;
}

/** An override record as its KV document. */
export function recordDocument(record: OverrideRecord, via: string): string {
  const restored = Object.keys(record.flags).length === 0;
  return JSON.stringify({
    ...record.flags,
    ...recordFacts(record),
    ...(restored && { restored: true }),
    via,
  });
}

function parseLoosely(text: string): unknown {
  try {
    return JSON.parse(text.slice(0, 4_096));
  } catch {
    return text.slice(0, 200);
  }
}
