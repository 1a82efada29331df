/**
 * What the gateway's Consul KV prefix says, read by pure functions (fetch → pure transform →
 * publish, STYLE.md 2). The layout under `<prefix>`:
 *
 *   <prefix>/policy          the routing policy, YAML: the same document as the policy file
 *   <prefix>/flags/<siteId>  one site's ops flags, a JSON object:
 *                            { "draining"?: boolean, "compromised"?: boolean,
 *                              "trafficDialPercent"?: number 0..100 }
 *
 * Folder keys (ending in "/") and any other key under the prefix are ignored.
 */
import { z } from "zod";
import { SITE_ID_PATTERN } from "../../../routing-tables/catalogue-schema.ts";
import { type ConfigError, wholeFileError } from "../../../routing-tables/config-error.ts";
import { errorList } from "../../../routing-tables/error-list.ts";
import type { OpsOverride } from "../../../routing-tables/snapshot.ts";
import { parseYamlSource, schemaErrors } from "../../../routing-tables/yaml-source.ts";

/** One decoded KV pair; `value` is null for a key with no value. */
export interface KvEntry {
  readonly key: string;
  readonly value: string | null;
}

export interface KvContent {
  readonly policyText: string | undefined;
  /** Flags by site id, from the documents that are valid. */
  readonly flags: Readonly<Record<string, OpsOverride>>;
  /** Sites whose flag document is malformed: their last good flags stand. */
  readonly malformed: readonly string[];
  /** Every problem with a flag document, each naming its key as the file. */
  readonly errors: readonly ConfigError[];
}

const flagSchema = z.strictObject({
  draining: z.boolean().optional().describe("no new traffic to the site"),
  compromised: z.boolean().optional().describe("never send traffic, not even in panic"),
  trafficDialPercent: z
    .number()
    .min(0)
    .max(100)
    .optional()
    .describe("percent of the site's share it keeps; the rest spills to the hubs"),
});

/** The name errors give a key: `consul-kv:<key>`. */
export const kvFile = (key: string): string => `consul-kv:${key}`;

export function readKvContent(entries: readonly KvEntry[], prefix: string): KvContent {
  const flags: Record<string, OpsOverride> = {};
  const malformed: string[] = [];
  const errors: ConfigError[] = [];
  let policyText: string | undefined;
  for (const { key, value } of entries) {
    if (key === `${prefix}/policy`) policyText = value ?? "";
    if (!key.startsWith(`${prefix}/flags/`) || key.endsWith("/")) continue;
    const site = key.slice(`${prefix}/flags/`.length);
    const read = SITE_ID_PATTERN.test(site)
      ? readFlags(kvFile(key), value ?? "")
      : { errors: [wholeFileError(kvFile(key), `"${site}" is not a site id`)] };
    if (read.flags) flags[site] = read.flags;
    else if (SITE_ID_PATTERN.test(site)) malformed.push(site);
    for (const error of read.errors) errors.push(error);
  }
  return { policyText, flags, malformed, errors };
}

/** A flag document: strict JSON, then the schema; schema errors located by line. */
export function readFlags(
  file: string,
  text: string,
): { flags?: OpsOverride; errors: ConfigError[] } {
  try {
    JSON.parse(text);
  } catch (error) {
    return { errors: [wholeFileError(file, `not a JSON document: ${(error as Error).message}`)] };
  }
  // JSON is YAML 1.2: the YAML reader gives the schema's errors their line and column.
  const errors = errorList();
  const source = parseYamlSource(file, text, errors);
  if (!source) return { errors: errors.list() };
  const result = flagSchema.safeParse(source.data);
  if (result.success) return { flags: result.data, errors: [] };
  schemaErrors(source, result.error, errors);
  return { errors: errors.list() };
}

/**
 * The overrides after an answer. A site's flags are what its document says; a site whose
 * document is gone has none; a site whose document is malformed keeps its last good flags.
 * One rule outlives KV's word: a site seen compromised stays compromised until its document
 * says `compromised: false` or is deleted — and only an answer from a cluster with a known
 * leader may clear it, since a stale read from a lagging or cut-off server may predate the
 * compromise. (Failed queries never reach this function: they change nothing.)
 */
export function nextOverrides(
  previous: Readonly<Record<string, OpsOverride>>,
  content: Pick<KvContent, "flags" | "malformed">,
  knownLeader: boolean,
): Record<string, OpsOverride> {
  const next: Record<string, OpsOverride> = { ...content.flags };
  for (const site of content.malformed) {
    const last = previous[site];
    if (last) next[site] = last;
  }
  for (const [site, last] of Object.entries(previous)) {
    if (last.compromised !== true) continue;
    const document = content.flags[site];
    const gone = document === undefined && !content.malformed.includes(site);
    const clears = knownLeader && (gone || document?.compromised === false);
    if (!clears) next[site] = { ...next[site], compromised: true };
  }
  return next;
}
