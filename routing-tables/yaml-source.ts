/**
 * A parsed YAML file that remembers where every value came from, so that any problem
 * found later (schema or cross-reference) can name its line and column.
 */
import { type Document, isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { type ConfigError, type Finding, formatPath, type PathSegment } from "./config-error.ts";

export interface YamlSource {
  readonly file: string;
  readonly data: unknown;
  readonly document: Document;
  readonly lineCounter: LineCounter;
}

/** Parses YAML; syntax errors (duplicate keys included) come back located. */
export function parseYamlSource(
  file: string,
  text: string,
): { source: YamlSource; errors: ConfigError[] } {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const errors = [...document.errors, ...document.warnings].map((problem) => {
    const { line, col } = lineCounter.linePos(problem.pos[0]);
    return { file, line, column: col, path: "", message: problem.message.split("\n")[0] ?? "" };
  });
  let data: unknown;
  if (errors.length === 0) {
    try {
      data = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      // Unresolved aliases and alias bombs surface only here.
      errors.push({
        file,
        line: 1,
        column: 1,
        path: "",
        message: (error as Error).message.split("\n")[0] ?? "",
      });
    }
  }
  return { source: { file, data, document, lineCounter }, errors };
}

/** Offset of the value at `path`, or of the deepest ancestor that exists. */
function offsetOf(source: YamlSource, path: readonly PathSegment[], atKey: boolean): number {
  let node: unknown = source.document.contents;
  let offset = 0;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i];
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && item.key.value === segment);
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

/** Every schema issue as a located error; unknown keys point at the key itself. */
export function schemaErrors(source: YamlSource, error: z.ZodError): ConfigError[] {
  const out: ConfigError[] = [];
  for (const issue of error.issues) {
    const path = issue.path.filter((p): p is PathSegment => typeof p !== "symbol");
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        out.push(locate(source, { path: [...path, key], message: "unknown key" }, true));
      }
    } else {
      out.push(locate(source, { path, message: issue.message }));
    }
  }
  return out;
}
