/**
 * A parsed YAML file that remembers where every value came from, so that any problem
 * found later (schema or cross-reference) can name its line and column.
 *
 * Bounded on hostile input: a text over `maxBytes` is refused before it is parsed (the
 * `yaml` package has no option that stops at the first errors, so its work is bounded by the
 * size alone); errors go into an ErrorList (the first 100 kept, the rest counted); duplicate
 * keys are found in linear time; and locating an error costs one map look-up per path
 * segment, not a scan of the map (a map of 100,000 unknown keys is 100,000 errors).
 */
import {
  type Document,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Pair,
  parseDocument,
  type YAMLMap,
} from "yaml";
import type { z } from "zod";
import {
  type ConfigError,
  type Finding,
  formatPath,
  type PathSegment,
  wholeFileError,
} from "./config-error.ts";
import { duplicateKeyOffsets } from "./duplicate-keys.ts";
import type { ErrorList } from "./error-list.ts";

/**
 * The most bytes a config file (catalogue, policy, boot config) may hold: 512 KiB, Consul KV's
 * own default cap on a value. The reference world's catalogue takes 220 bytes a site (2,000
 * sites fit); the worst input measured costs about 5 µs and 1 KiB of heap per byte to refuse.
 */
export const MAX_CONFIG_BYTES = 524_288;

export interface YamlSource {
  readonly file: string;
  readonly data: unknown;
  readonly document: Document;
  readonly lineCounter: LineCounter;
  /** Each map's pairs by key, built when the map is first searched. */
  readonly pairsOf: WeakMap<YAMLMap, ReadonlyMap<unknown, Pair>>;
}

/** The error for a text over the size limit; `bytes` when its size is known. */
export function tooLargeError(file: string, maxBytes: number, bytes?: number): ConfigError {
  const size = bytes === undefined ? `more than ${maxBytes} bytes` : `${bytes} bytes`;
  return wholeFileError(
    file,
    `too large: ${size}; a config file may hold at most ${maxBytes} bytes (${binaryUnits(maxBytes)})`,
  );
}

function binaryUnits(bytes: number): string {
  if (bytes >= 1_048_576 && bytes % 1_048_576 === 0) return `${bytes / 1_048_576} MiB`;
  return bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`;
}

/**
 * Parses YAML; syntax errors (duplicate keys included) go to `errors`, located, and then
 * there is no source. A text over `maxBytes` (UTF-8) is one error, and is not parsed.
 */
export function parseYamlSource(
  file: string,
  text: string,
  errors: ErrorList,
  maxBytes = MAX_CONFIG_BYTES,
): YamlSource | undefined {
  // UTF-8 takes at least one byte per UTF-16 unit: the length alone rules out most texts.
  const bytes = text.length > maxBytes ? text.length : Buffer.byteLength(text);
  if (bytes > maxBytes) {
    errors.add(tooLargeError(file, maxBytes, text.length > maxBytes ? undefined : bytes));
    return undefined;
  }
  const lineCounter = new LineCounter();
  const document = parseQuietly(text, lineCounter);
  const before = errors.count();
  const at = (offset: number, message: string) => {
    const { line, col } = lineCounter.linePos(offset);
    errors.add({ file, line, column: col, path: "", message });
  };
  for (const list of [document.errors, document.warnings]) {
    for (const problem of list) at(problem.pos[0], firstLine(problem.message));
  }
  for (const offset of duplicateKeyOffsets(document)) at(offset, "Map keys must be unique");
  if (errors.count() > before) return undefined;
  try {
    const data = document.toJS({ maxAliasCount: 100 });
    return { file, data, document, lineCounter, pairsOf: new WeakMap() };
  } catch (error) {
    // Unresolved aliases and alias bombs surface only here.
    errors.add({
      file,
      line: 1,
      column: 1,
      path: "",
      message: firstLine((error as Error).message),
    });
    return undefined;
  }
}

/**
 * `parseDocument` without the package's quadratic duplicate-key check (duplicate-keys.ts does
 * it in linear time) and without a stack trace per error: each YAMLParseError is an Error, and
 * capturing its stack was most of the time on a file of 300,000 errors (7 s of 9). The limit
 * is restored before anything else runs (the parse is synchronous).
 */
function parseQuietly(text: string, lineCounter: LineCounter): Document {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function firstLine(text: string): string {
  const end = text.indexOf("\n");
  return end < 0 ? text : text.slice(0, end);
}

/** The pair of `map` whose key is `key`, by an index built on the first search of the map. */
function pairOf(source: YamlSource, map: YAMLMap, key: PathSegment): Pair | undefined {
  let index = source.pairsOf.get(map);
  if (!index) {
    const built = new Map<unknown, Pair>();
    for (const pair of map.items) {
      // The first of duplicate keys wins, as a scan would find it.
      if (isScalar(pair.key) && !built.has(pair.key.value)) built.set(pair.key.value, pair);
    }
    source.pairsOf.set(map, built);
    index = built;
  }
  return index.get(key);
}

/** Offset of the value at `path`, or of the deepest ancestor that exists. */
function offsetOf(source: YamlSource, path: readonly PathSegment[], atKey: boolean): number {
  let node: unknown = source.document.contents;
  let offset = 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    if (isMap(node)) {
      const pair = segment === undefined ? undefined : pairOf(source, node, segment);
      if (!pair) break;
      const key = pair.key as { range?: [number, number, number] };
      offset = key.range?.[0] ?? offset;
      if (atKey && i === path.length - 1) break;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      node = node.items[segment];
    } else {
      break;
    }
    const range = (node as { range?: [number, number, number] } | null)?.range;
    if (range) offset = range[0];
  }
  return offset;
}

export function locate(source: YamlSource, finding: Finding, atKey = false): ConfigError {
  const { line, col } = source.lineCounter.linePos(offsetOf(source, finding.path, atKey));
  return {
    file: source.file,
    line,
    column: col,
    path: formatPath(finding.path),
    message: finding.message,
  };
}

/** Every schema issue as a located error, into `errors`; unknown keys point at the key itself. */
export function schemaErrors(source: YamlSource, error: z.ZodError, errors: ErrorList): void {
  for (const issue of error.issues) {
    const path = issue.path.filter((p): p is PathSegment => typeof p !== "symbol");
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        errors.add(locate(source, { path: [...path, key], message: "unknown key" }, true));
      }
    } else {
      errors.add(locate(source, { path, message: issue.message }));
    }
  }
}
