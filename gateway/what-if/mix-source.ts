/**
 * Reads a traffic mix from a file into a row sink, bounded everywhere: the file's size, each
 * line's length, the number of rows; refused rows are counted, the first few listed with their
 * line numbers, and reading goes on. A file that cannot be read, is too large, has more rows
 * than allowed, or whose CSV header is wrong fails as a whole (an Error to the caller).
 *
 * Formats (mix-source's README section lists the fields): `places` (a JSON list of places such
 * as the demo's clients.json), `csv`, `ndjson`, `access-log`. Rates: see `rateScale`.
 */
import { createReadStream, statSync } from "node:fs";
import { extname } from "node:path";
import type { MixRow } from "../../routing-tables/simulate.ts";
import { boundedLines } from "./bounded-lines.ts";
import { accessLogFormat, csvFormat, type LineFormat, ndjsonFormat } from "./line-formats.ts";
import type { RowContext } from "./mix-row.ts";
import { readPlaces } from "./places.ts";

export const MIX_FORMATS = ["places", "csv", "ndjson", "access-log"] as const;
export type MixFormat = (typeof MIX_FORMATS)[number];

export interface MixLimits {
  /** Largest mix file read, bytes. */
  readonly maxFileBytes: number;
  /** Longest line read, characters; a longer line is a refused row. */
  readonly maxLineChars: number;
  /** Most rows read; more fails the run (a cut mix would predict wrong loads). */
  readonly maxRows: number;
  /** Refused rows listed (all are counted). */
  readonly maxErrorsListed: number;
}

export const DEFAULT_MIX_LIMITS: MixLimits = Object.freeze({
  maxFileBytes: 512 * 1024 * 1024,
  maxLineChars: 16_384,
  maxRows: 5_000_000,
  maxErrorsListed: 20,
});

export interface BadRow {
  /** 1-based line (or, for places, entry) number. */
  readonly line: number;
  readonly message: string;
}

export interface MixReport {
  readonly file: string;
  readonly format: MixFormat;
  readonly rows: number;
  readonly badRows: number;
  readonly errors: readonly BadRow[];
  /** Sum of the rows' rates as read (requests/s, weights or request counts). */
  readonly summedRps: number;
  /** Seconds between the first and last request of an access log; undefined elsewhere. */
  readonly spanSeconds?: number;
}

const BY_EXTENSION: Readonly<Record<string, MixFormat>> = {
  ".json": "places",
  ".csv": "csv",
  ".ndjson": "ndjson",
  ".jsonl": "ndjson",
  ".log": "access-log",
};

/** The format named, else the one the file's extension implies, else undefined. */
export function mixFormatOf(file: string, named?: string): MixFormat | undefined {
  if (named !== undefined)
    return (MIX_FORMATS as readonly string[]).includes(named) ? (named as MixFormat) : undefined;
  return BY_EXTENSION[extname(file).toLowerCase()];
}

/**
 * What to multiply the summed rates by: `totalRps` spreads that total over the rows by their
 * rates; else an access log's requests become requests/s over the time it spans (one request
 * per second when it spans under a second); else rows' rates are requests/s as they are.
 */
export function rateScale(report: MixReport, totalRps?: number): number {
  if (totalRps !== undefined) return report.summedRps > 0 ? totalRps / report.summedRps : 0;
  if (report.spanSeconds !== undefined && report.spanSeconds >= 1) return 1 / report.spanSeconds;
  return 1;
}

class Collector {
  rows = 0;
  badRows = 0;
  summedRps = 0;
  readonly errors: BadRow[] = [];
  readonly #limits: MixLimits;
  readonly #sink: (row: MixRow) => void;
  constructor(limits: MixLimits, sink: (row: MixRow) => void) {
    this.#limits = limits;
    this.#sink = sink;
  }
  take(line: number, result: MixRow | string | undefined): void {
    if (result === undefined) return;
    if (typeof result === "string") {
      this.badRows++;
      if (this.errors.length < this.#limits.maxErrorsListed)
        this.errors.push({ line, message: result });
      return;
    }
    if (++this.rows > this.#limits.maxRows)
      throw new Error(`more than ${this.#limits.maxRows} rows (--max-rows)`);
    this.summedRps += result.rps;
    this.#sink(result);
  }
}

function checkSize(file: string, limits: MixLimits): void {
  const { size } = statSync(file);
  if (size > limits.maxFileBytes)
    throw new Error(`${size} bytes, more than ${limits.maxFileBytes} (--max-mix-bytes)`);
}

async function readLines(file: string, format: LineFormat, limits: MixLimits, into: Collector) {
  // `end` bounds the read even if the file grows after the size check.
  const stream = createReadStream(file, {
    encoding: "utf8",
    end: limits.maxFileBytes - 1,
    highWaterMark: 1 << 20,
  });
  for await (const batch of boundedLines(stream, limits.maxLineChars)) {
    for (const item of batch) {
      if ("tooLong" in item)
        into.take(item.number, `line longer than ${limits.maxLineChars} characters`);
      else into.take(item.number, format.line(item.text));
    }
  }
}

const LINE_FORMATS = {
  csv: csvFormat,
  ndjson: ndjsonFormat,
  "access-log": accessLogFormat,
} as const;

/** Reads the whole mix into `sink`; throws an Error (with the file's name) when it fails whole. */
export async function readMix(
  file: string,
  format: MixFormat,
  context: RowContext,
  sink: (row: MixRow) => void,
  limits: MixLimits = DEFAULT_MIX_LIMITS,
): Promise<MixReport> {
  const into = new Collector(limits, sink);
  let spanSeconds: number | undefined;
  try {
    checkSize(file, limits);
    if (format === "places") {
      for (const [entry, result] of readPlaces(file, context, limits.maxFileBytes))
        into.take(entry, result);
    } else {
      const lines = LINE_FORMATS[format](context);
      await readLines(file, lines, limits, into);
      const span = lines.span?.();
      if (span) spanSeconds = (span.lastMs - span.firstMs) / 1000;
    }
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`, { cause: error });
  }
  const { rows, badRows, errors, summedRps } = into;
  return {
    file,
    format,
    rows,
    badRows,
    errors,
    summedRps,
    ...(spanSeconds !== undefined && { spanSeconds }),
  };
}
