/**
 * Validate a catalogue and a policy as a whole: YAML syntax, schema, then cross-references.
 * Either everything is valid and both configs come back, or nothing does and every
 * problem is listed with file, line and path. Nothing is ever half-applied.
 *
 * Cross-reference checks run even when the schema fails, over the list entries (sites,
 * services) that did parse, so one run lists as much as can be known.
 */
import type { z } from "zod";
import { type CatalogueConfig, catalogueSchema, siteSchema } from "./catalogue-schema.ts";
import { checkCatalogue } from "./check-catalogue.ts";
import { checkPolicy, type PartialPolicy, type World, worldOf } from "./check-policy.ts";
import { type ConfigError, sortConfigErrors } from "./config-error.ts";
import { type PolicyConfig, policySchema, serviceSchema, tuningSchema } from "./policy-schema.ts";
import { locate, parseYamlSource, schemaErrors, type YamlSource } from "./yaml-source.ts";

export interface ConfigText {
  readonly file: string;
  readonly text: string;
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

export function validateConfig(texts: readonly ConfigText[]): ConfigResult {
  const errors: ConfigError[] = [];
  const sources = classify(texts, errors);
  let catalogue: CatalogueConfig | undefined;
  let world: World | undefined;
  if (sources.catalogue) {
    const source = sources.catalogue;
    catalogue = parseWhole(source, catalogueSchema, errors);
    const sites = catalogue?.sites ?? parseEach(source.data, "sites", siteSchema);
    errors.push(...checkCatalogue(sites).map((f) => locate(source, f)));
    world = worldOf(field(source.data, "sites"), sites);
  }
  let policy: PolicyConfig | undefined;
  if (sources.policy) {
    const source = sources.policy;
    policy = parseWhole(source, policySchema, errors);
    const partial: PartialPolicy = policy ?? {
      defaults:
        tuningSchema.safeParse(field(source.data, "defaults") ?? {}).data ?? tuningSchema.parse({}),
      services: parseEach(source.data, "services", serviceSchema),
    };
    errors.push(...checkPolicy(partial, world).map((f) => locate(source, f)));
  }
  if (errors.length > 0) return { ok: false, errors: sortConfigErrors(errors) };
  return { ok: true, catalogue, policy };
}

function classify(
  texts: readonly ConfigText[],
  errors: ConfigError[],
): Partial<Record<Kind, YamlSource>> {
  const sources: Partial<Record<Kind, YamlSource>> = {};
  for (const { file, text } of texts) {
    const parsed = parseYamlSource(file, text);
    errors.push(...parsed.errors);
    if (parsed.errors.length > 0) continue;
    const kind = kindOf(parsed.source.data);
    const first = kind && sources[kind];
    if (kind === undefined) {
      errors.push({
        file,
        line: 1,
        column: 1,
        path: "",
        message: "neither a catalogue (sites:) nor a policy (services:)",
      });
    } else if (first) {
      errors.push({
        file,
        line: 1,
        column: 1,
        path: "",
        message: `a second ${kind}: give one (${first.file} came first)`,
      });
    } else {
      sources[kind] = parsed.source;
    }
  }
  return sources;
}

function parseWhole<T>(
  source: YamlSource,
  schema: z.ZodType<T>,
  errors: ConfigError[],
): T | undefined {
  const result = schema.safeParse(source.data);
  if (result.success) return result.data;
  errors.push(...schemaErrors(source, result.error));
  return undefined;
}

function field(data: unknown, key: string): unknown {
  return data !== null && typeof data === "object"
    ? (data as Record<string, unknown>)[key]
    : undefined;
}

/** Each entry of a list parsed on its own; entries that fail are holes. */
function parseEach<T>(data: unknown, key: string, schema: z.ZodType<T>): (T | undefined)[] {
  const list = field(data, key);
  return Array.isArray(list) ? list.map((item) => schema.safeParse(item).data) : [];
}
