/**
 * The configuration reference as Markdown tables, generated from the zod schemas, so the
 * READMEs cannot drift from the code: `npm run docs` rewrites the marked sections (the
 * catalogue and policy in routing-tables/README.md, the boot config in gateway/config/README.md)
 * and a test beside each README fails when they differ from what this module generates.
 */
import { z } from "zod";
import { catalogueSchema } from "./catalogue-schema.ts";
import { policySchema } from "./policy-schema.ts";

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  anyOf?: JsonSchema[];
}

interface Row {
  path: string;
  type: string;
  fallback: string;
  bounds: string;
  description: string;
}

function typeOf(schema: JsonSchema): string {
  if (schema.enum) return schema.enum.map((v) => `\`${String(v)}\``).join(" \\| ");
  if (schema.type === "array") return `list of ${schema.items ? typeOf(schema.items) : "any"}`;
  if (schema.type === "object" && typeof schema.additionalProperties === "object") return "map";
  return Array.isArray(schema.type) ? schema.type.join(" \\| ") : (schema.type ?? "any");
}

function boundsOf(schema: JsonSchema): string {
  const parts: string[] = [];
  const range = (lo?: number, hi?: number, unit = "") =>
    lo !== undefined && hi !== undefined
      ? `${lo} to ${hi}${unit}`
      : lo !== undefined
        ? `≥ ${lo}${unit}`
        : hi !== undefined
          ? `≤ ${hi}${unit}`
          : "";
  parts.push(range(schema.minimum, schema.maximum));
  parts.push(range(schema.minItems, schema.maxItems, " items"));
  parts.push(range(schema.minLength, schema.maxLength, " chars"));
  const values =
    typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined;
  if (values) parts.push(range(values.minimum, values.maximum));
  return parts.filter(Boolean).join(", ");
}

/** Service fields that repeat a `defaults` field are one row, not a second copy of the table. */
const SAME_AS_DEFAULTS: Row = {
  path: "`services[].<field>`",
  type: "",
  fallback: "the default's",
  bounds: "as in defaults",
  description: "any field of `defaults`; it replaces the default's whole value for this service",
};

function rows(
  schema: JsonSchema,
  path: string,
  out: Row[],
  inherited: ReadonlySet<string> = new Set(),
): Row[] {
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    if (inherited.has(key)) continue;
    const here = path ? `${path}.${key}` : key;
    const required = schema.required?.includes(key) && child.default === undefined;
    const isObject = child.type === "object" && child.properties;
    const fallback =
      child.default === undefined
        ? required
          ? "required"
          : "—"
        : isObject
          ? ""
          : `\`${JSON.stringify(child.default)}\``;
    out.push({
      path: `\`${here}\``,
      type: typeOf(child),
      fallback,
      bounds: boundsOf(child),
      description: child.description ?? "",
    });
    if (isObject) rows(child, here, out);
    if (child.type === "array" && child.items?.properties) {
      const fromDefaults =
        here === "services"
          ? new Set(Object.keys(schema.properties?.defaults?.properties ?? {}))
          : new Set<string>();
      rows(child.items, `${here}[]`, out, fromDefaults);
      if (fromDefaults.size > 0) out.push(SAME_AS_DEFAULTS);
    }
  }
  return out;
}

function table(schema: z.ZodType): string {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const lines = ["| field | type | default | bounds | meaning |", "|---|---|---|---|---|"];
  for (const r of rows(json, "", []))
    lines.push(`| ${r.path} | ${r.type} | ${r.fallback} | ${r.bounds} | ${r.description} |`);
  return lines.join("\n");
}

/** The schemas routing-tables/README.md documents, by marker name. */
export const ROUTING_SCHEMAS: Readonly<Record<string, z.ZodType>> = Object.freeze({
  catalogue: catalogueSchema,
  policy: policySchema,
});

/** One Markdown table per schema, by marker name (callers pass their own: the boot config). */
export function configReference(
  schemas: Readonly<Record<string, z.ZodType>> = ROUTING_SCHEMAS,
): Record<string, string> {
  const tables: Record<string, string> = {};
  for (const [name, schema] of Object.entries(schemas)) tables[name] = table(schema);
  return tables;
}

const marker = (name: string, edge: "start" | "end") => `<!-- config-reference:${name}:${edge} -->`;

/**
 * The README with the marked section of each schema replaced by its generated table; a
 * README without a schema's markers is refused, never left stale.
 */
export function withConfigReference(
  readme: string,
  schemas: Readonly<Record<string, z.ZodType>> = ROUTING_SCHEMAS,
): string {
  let text = readme;
  for (const [name, body] of Object.entries(configReference(schemas))) {
    const start = text.indexOf(marker(name, "start"));
    const end = text.indexOf(marker(name, "end"));
    if (start < 0 || end < start)
      throw new Error(`README lacks the ${marker(name, "start")} … end markers`);
    text = `${text.slice(0, start + marker(name, "start").length)}\n${body}\n${text.slice(end)}`;
  }
  return text;
}
