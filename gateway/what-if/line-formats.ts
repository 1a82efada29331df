/**
 * The line-based mix formats, one line to one row: CSV (a header row names the fields of
 * mix-row.ts), NDJSON (one object per line, those fields), and the gateway's own access log
 * (pino JSON lines; a `"msg":"request"` line gives `client`, `host`, `path`, and its `time`
 * dates it; other lines are not requests and are passed over). Blank lines and, in CSV and
 * NDJSON, lines starting with # are passed over too.
 */
import type { MixRow } from "../../routing-tables/simulate.ts";
import { splitCsvLine } from "./csv-line.ts";
import {
  type FieldValue,
  ROW_FIELDS,
  type RowContext,
  type RowField,
  toMixRow,
} from "./mix-row.ts";

/** undefined: not a row (header, comment, blank); a string: why the row is refused. */
export type LineResult = MixRow | string | undefined;

export interface LineFormat {
  line(text: string): LineResult;
  /** Earliest and latest request time seen, ms since the epoch (access log only). */
  readonly span?: () => { readonly firstMs: number; readonly lastMs: number } | undefined;
}

const isSkipped = (text: string) => text.trim() === "" || text.startsWith("#");
const FIELD_SET: ReadonlySet<string> = new Set(ROW_FIELDS);

/** The header's columns, or the error that refuses the whole file. */
export function csvColumns(header: string): RowField[] | Error {
  const names = splitCsvLine(header)?.map((n) => n.trim().toLowerCase());
  if (!names) return new Error("header: unbalanced quotes");
  const unknown = names.filter((n) => !FIELD_SET.has(n));
  if (unknown.length > 0)
    return new Error(
      `header: unknown column(s) ${unknown.slice(0, 5).join(", ")}; known: ${ROW_FIELDS.join(", ")}`,
    );
  if (new Set(names).size !== names.length) return new Error("header: a column is named twice");
  return names as RowField[];
}

export function csvFormat(context: RowContext): LineFormat {
  let columns: Partial<Record<RowField, number>> | undefined;
  let count = 0;
  return {
    line(text) {
      if (isSkipped(text)) return undefined;
      if (!columns) {
        const parsed = csvColumns(text);
        if (parsed instanceof Error) throw parsed;
        columns = Object.fromEntries(parsed.map((name, i) => [name, i]));
        count = parsed.length;
        return undefined;
      }
      const cells = splitCsvLine(text);
      if (!cells) return "unbalanced quotes";
      if (cells.length !== count) return `${cells.length} fields, the header has ${count}`;
      const at = columns;
      return toMixRow((f) => {
        const i = at[f];
        return i === undefined ? undefined : cells[i];
      }, context);
    },
  };
}

function parseObject(text: string): Record<string, FieldValue> | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "not JSON";
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    return "not a JSON object";
  return value as Record<string, FieldValue>;
}

export function ndjsonFormat(context: RowContext): LineFormat {
  return {
    line(text) {
      if (isSkipped(text)) return undefined;
      const object = parseObject(text);
      if (typeof object === "string") return object;
      const unknown = Object.keys(object).find((k) => !FIELD_SET.has(k));
      if (unknown !== undefined) return `unknown field "${unknown.slice(0, 40)}"`;
      return toMixRow((f) => object[f], context);
    },
  };
}

export function accessLogFormat(context: RowContext): LineFormat {
  let firstMs = Number.POSITIVE_INFINITY;
  let lastMs = Number.NEGATIVE_INFINITY;
  return {
    line(text) {
      if (text.trim() === "") return undefined;
      const entry = parseObject(text);
      if (typeof entry === "string") return entry;
      if (entry.msg !== "request") return undefined;
      if (typeof entry.client !== "string") return "no client address (field client)";
      const time = entry.time;
      if (typeof time === "number" && Number.isFinite(time)) {
        firstMs = Math.min(firstMs, time);
        lastMs = Math.max(lastMs, time);
      }
      const fields: Partial<Record<RowField, FieldValue>> = {
        ip: entry.client,
        host: entry.host,
        path: entry.path,
      };
      return toMixRow((f) => fields[f], context);
    },
    span: () => (firstMs <= lastMs ? { firstMs, lastMs } : undefined),
  };
}
