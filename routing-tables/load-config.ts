/**
 * Validate a catalogue and a policy as a whole: YAML syntax, schema, then cross-references.
 * Either everything is valid and both configs come back, or nothing does and the errors are
 * listed with file, line and path: the first 100 in that order, then one entry counting the
 * rest (error-list.ts). Nothing is ever half-applied.
 *
 * Cross-reference checks run even when the schema fails, over what of each entry can be read
 * (readable.ts), so one run lists as much as can be known: an entry with a schema error and a
 * cross-reference error reports both.
 *
 * Bounded on hostile input: each text is capped in size before it is parsed (yaml-source.ts),
 * errors are counted beyond the first 100 but not kept, and no list from the input is ever
 * spread into arguments (a spread of 200,000 errors overflows the stack).
 */
import type { z } from "zod";
import { type CatalogueConfig, catalogueSchema } from "./catalogue-schema.ts";
import { checkCatalogue } from "./check-catalogue.ts";
import { checkPolicy, type World, worldOf } from "./check-policy.ts";
import type { ConfigError, Finding } from "./config-error.ts";
import { type ErrorList, errorList } from "./error-list.ts";
import { type PolicyConfig, policySchema } from "./policy-schema.ts";
import { type Readable, readable } from "./readable.ts";
import { locate, parseYamlSource, schemaErrors, type YamlSource } from "./yaml-source.ts";

export interface ConfigText {
  readonly file: string;
  readonly text: string;
  /**
   * The size cap for this text, in UTF-8 bytes; default MAX_CONFIG_BYTES (1 MiB). Raised only
   * for text the gateway wrote itself from a config it had accepted (YAML of what is serving).
   */
  readonly maxBytes?: number;
}

export type ConfigResult =
  | { readonly ok: true; readonly catalogue?: CatalogueConfig; readonly policy?: PolicyConfig }
  | { readonly ok: false; readonly errors: readonly ConfigError[] };

type Kind = "catalogue" | "policy";

function kindOf(data: unknown): Kind | undefined {
  if (data === null || typeof data !== "object" || Array.isArray(data)) return undefined;
  if ("sites" in data) return "catalogue";
  if ("services" in data || "defaults" in data) return "policy";
  return undefined;
}

/** `errors` may hold errors found before (files that could not be read): they count too. */
export function validateConfig(
  texts: readonly ConfigText[],
  errors: ErrorList = errorList(),
): ConfigResult {
  const sources = classify(texts, errors);
  let catalogue: CatalogueConfig | undefined;
  let world: World | undefined;
  if (sources.catalogue) {
    const source = sources.catalogue;
    const read = readWhole(source, catalogueSchema, errors);
    catalogue = read.whole;
    const sites = read.reading?.sites ?? [];
    addFindings(source, checkCatalogue(sites), errors);
    world = worldOf(field(source.data, "sites"), sites);
  }
  let policy: PolicyConfig | undefined;
  if (sources.policy) {
    const source = sources.policy;
    const read = readWhole(source, policySchema, errors);
    policy = read.whole;
    if (read.reading) addFindings(source, checkPolicy(read.reading, world), errors);
  }
  if (errors.count() > 0) return { ok: false, errors: errors.list() };
  return { ok: true, catalogue, policy };
}

function classify(
  texts: readonly ConfigText[],
  errors: ErrorList,
): Partial<Record<Kind, YamlSource>> {
  const sources: Partial<Record<Kind, YamlSource>> = {};
  for (const { file, text, maxBytes } of texts) {
    const source = parseYamlSource(file, text, errors, maxBytes);
    if (!source) continue;
    const kind = kindOf(source.data);
    const first = kind && sources[kind];
    if (kind === undefined) {
      errors.add(firstLineError(file, "neither a catalogue (sites:) nor a policy (services:)"));
    } else if (first) {
      errors.add(firstLineError(file, `a second ${kind}: give one (${first.file} came first)`));
    } else {
      sources[kind] = source;
    }
  }
  return sources;
}

const firstLineError = (file: string, message: string): ConfigError => ({
  file,
  line: 1,
  column: 1,
  path: "",
  message,
});

/** The document when it passes; else its schema errors, and what of it can be read. */
function readWhole<T>(
  source: YamlSource,
  schema: z.ZodType<T>,
  errors: ErrorList,
): { whole?: T; reading: Readable<T> | null } {
  const result = schema.safeParse(source.data);
  if (result.success) return { whole: result.data, reading: result.data as Readable<T> };
  schemaErrors(source, result.error, errors);
  return { reading: readable(schema, source.data, result.error.issues) };
}

function addFindings(source: YamlSource, findings: readonly Finding[], errors: ErrorList): void {
  for (const finding of findings) errors.add(locate(source, finding));
}

function field(data: unknown, key: string): unknown {
  return data !== null && typeof data === "object"
    ? (data as Record<string, unknown>)[key]
    : undefined;
}
