/** One problem found in a config file, located by file, line, column and dotted path. */
export interface ConfigError {
  readonly file: string;
  /** 1-based; 0 when the problem is about the file as a whole. */
  readonly line: number;
  readonly column: number;
  /** Dotted path such as `sites[3].capacity`; empty for the whole document. */
  readonly path: string;
  readonly message: string;
  /** Only on the last entry of a capped list (error-list.ts): how many errors it stands for. */
  readonly more?: number;
}

/** A problem with a file as a whole (unreadable, the wrong kind of document): no line, no path. */
export function wholeFileError(file: string, message: string): ConfigError {
  return { file, line: 0, column: 0, path: "", message };
}

export type PathSegment = string | number;

/** A problem found by a check, before it is given a place in a file. */
export interface Finding {
  readonly path: readonly PathSegment[];
  readonly message: string;
}

export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) out += out === "" ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** `file:line:column: path: message`, the shape compilers and `nginx -t` use. */
export function formatConfigError(error: ConfigError): string {
  const where = error.line > 0 ? `${error.file}:${error.line}:${error.column}` : error.file;
  return error.path === ""
    ? `${where}: ${error.message}`
    : `${where}: ${error.path}: ${error.message}`;
}

/** Stable order: by file, then line, then column, then path; a count of unlisted errors last. */
export function sortConfigErrors(errors: readonly ConfigError[]): ConfigError[] {
  return [...errors].sort(
    (a, b) =>
      Number(a.more !== undefined) - Number(b.more !== undefined) ||
      compareText(a.file, b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      compareText(a.path, b.path),
  );
}

/** localeCompare, skipped for the common case of equal texts (it is slow, and sorts run often). */
const compareText = (a: string, b: string) => (a === b ? 0 : a.localeCompare(b));
