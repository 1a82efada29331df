/**
 * What of a document can be read under a schema, when the document as a whole fails it:
 * objects field by field, lists item by item, records entry by entry. The cross-reference
 * checks run over this, so an entry with a schema error still has its other fields checked
 * (a site with a bad latitude and a duplicate id gets both errors at once, not the second
 * after the first is fixed).
 *
 * In a reading, a field that was not given is absent (or holds its default), and a field
 * that was given but cannot be read is `null`: "unknown", which no check may take as fine
 * or as wrong. (No schema of the configs parses a value to null, so the two cannot mix.)
 *
 * Work: the failed parse's issues say which parts failed; a part without issues is parsed
 * once (and passes), a part with issues is taken apart without parsing it again. So reading
 * costs about one more parse of the document, however many of its parts are broken.
 */
import { z } from "zod";

/** A reading of T: each part T's own value, absent (not given) or null (given, unreadable). */
export type Readable<T> = T extends readonly (infer E)[]
  ? readonly (Readable<E> | null)[]
  : T extends object
    ? { readonly [K in keyof T]?: Readable<T[K]> | null }
    : T;

/** What readable() needs of a zod issue: where it is, relative to the value read. */
export interface IssuePath {
  readonly path: readonly PropertyKey[];
}

/**
 * The whole value when it passes; otherwise its readable parts, or null when none can be read.
 * `issues`: those of a parse of `value` under `schema` that failed already, to save a parse;
 * without them, the value is parsed (and a part with no issue of its own passes, as a rule).
 */
export function readable<T>(
  schema: z.ZodType<T>,
  value: unknown,
  issues?: readonly IssuePath[],
): Readable<T> | null {
  if (issues === undefined) {
    if (value === undefined && schema instanceof z.ZodOptional) return undefined as Readable<T>;
    const whole = schema.safeParse(value);
    if (whole.success) return whole.data as Readable<T>;
    return readParts(schema, value, whole.error.issues) as Readable<T> | null;
  }
  return readParts(schema, value, issues) as Readable<T> | null;
}

function readParts(schema: z.ZodType, value: unknown, issues: readonly IssuePath[]): unknown {
  if (
    schema instanceof z.ZodDefault ||
    schema instanceof z.ZodPrefault ||
    schema instanceof z.ZodOptional
  ) {
    // Not given yet failing: a required field is missing, which is unknown too.
    return value === undefined ? null : readParts(schema.unwrap() as z.ZodType, value, issues);
  }
  if (schema instanceof z.ZodArray && Array.isArray(value)) {
    const byIndex = issuesByKey(issues);
    return value.map((item, i) => readable(schema.element as z.ZodType, item, byIndex.get(i)));
  }
  if (schema instanceof z.ZodObject && isRecord(value)) {
    const byKey = issuesByKey(issues);
    const out: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
      const read = readable(field, value[key], byKey.get(key));
      if (read !== undefined) out[key] = read;
    }
    return out;
  }
  if (schema instanceof z.ZodRecord && isRecord(value)) {
    const byKey = issuesByKey(issues);
    // Entries whose key is no valid key are left out: a check cannot name what they are.
    // No prototype, so a key such as __proto__ is an entry like any other.
    const out: Record<string, unknown> = Object.create(null);
    for (const [key, item] of Object.entries(value)) {
      if (!(schema.keyType as z.ZodType).safeParse(key).success) continue;
      out[key] = readable(schema.valueType as z.ZodType, item, byKey.get(key));
    }
    return out;
  }
  return null;
}

/** Issues below this level, by the key or index they are under, their paths made relative. */
function issuesByKey(issues: readonly IssuePath[]): Map<PropertyKey, IssuePath[]> {
  const byKey = new Map<PropertyKey, IssuePath[]>();
  for (const issue of issues) {
    const [key, ...rest] = issue.path;
    if (key === undefined) continue;
    const list = byKey.get(key) ?? [];
    list.push({ path: rest });
    byKey.set(key, list);
  }
  return byKey;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);
