/**
 * The request path in one canonical form, computed once: routing matches it and the upstream
 * receives it, so a path cannot be written so that the router sees one service and the
 * backend another (`/x/../private`, `/%70rivate`, `//private`, `/./private`). As Envoy's
 * `normalize_path` + `merge_slashes` and nginx's normalised URI, in this order:
 *
 * 1. percent-encodings are checked: `%` must be followed by two hex digits, `%00` is refused;
 *    an encoded unreserved character (RFC 3986 §2.3: ALPHA DIGIT - . _ ~) is decoded, any
 *    other keeps its encoding with upper-case hex (§6.2.2.1);
 * 2. an encoded `/` or `\` (`%2F`, `%5C`) and a raw `\` are refused, or kept as they are when
 *    `escapedSlashes` is "keep" (Envoy's `path_with_escaped_slashes_action`, REJECT_REQUEST or
 *    KEEP_UNCHANGED): decoding them would give the backend separators the router never saw;
 * 3. runs of `/` become one (`mergeSlashes`, nginx `merge_slashes on`);
 * 4. `.` and `..` segments are removed (§5.2.4); `..` never climbs above the root.
 *
 * The query is passed on untouched. A `#` (a fragment, which no request target may carry,
 * RFC 9112 §3.2) is refused. Pure; linear in the path's length (bounded by maxHeaderBytes).
 */

export interface PathRules {
  /** Steps 1 and 4; false passes the path on as received (not recommended). */
  readonly normalize: boolean;
  readonly mergeSlashes: boolean;
  readonly escapedSlashes: "reject" | "keep";
}

export const DEFAULT_PATH_RULES: PathRules = Object.freeze({
  normalize: true,
  mergeSlashes: true,
  escapedSlashes: "reject",
});

export type NormalizedPath =
  | { readonly ok: true; readonly path: string }
  | { readonly ok: false; readonly detail: string };

const HEX = /^[0-9A-Fa-f]{2}$/;
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/** `target` is origin-form: the path, then optionally `?` and the query. */
export function normalizePath(
  target: string,
  rules: PathRules = DEFAULT_PATH_RULES,
): NormalizedPath {
  if (isPlain(target)) return { ok: true, path: target };
  const mark = target.indexOf("?");
  const raw = mark < 0 ? target : target.slice(0, mark);
  const query = mark < 0 ? "" : target.slice(mark);
  if (raw.includes("#")) return refuse("a fragment (#) in the request target");
  const decoded = rules.normalize ? decodeUnreserved(raw, rules) : keepSlashes(raw, rules);
  if (typeof decoded !== "string") return decoded;
  const merged = rules.mergeSlashes ? decoded.replace(/\/{2,}/g, "/") : decoded;
  const path = rules.normalize ? removeDotSegments(merged) : merged;
  return { ok: true, path: `${path}${query}` };
}

const PERCENT = 37;
const BACKSLASH = 92;
const HASH = 35;
const SLASH = 47;
const DOT = 46;
const QUESTION = 63;

/**
 * True when no rule can change the path, nor refuse it (nearly every request): no `%`, `\`
 * or `#`, and no `/` followed by `/` or `.`. One scan up to the query, no allocation.
 */
function isPlain(target: string): boolean {
  for (let i = 0; i < target.length; i++) {
    const c = target.charCodeAt(i);
    if (c === QUESTION) return true;
    if (c === PERCENT || c === BACKSLASH || c === HASH) return false;
    if (c === SLASH) {
      const next = target.charCodeAt(i + 1);
      if (next === SLASH || next === DOT) return false;
    }
  }
  return true;
}

function refuse(detail: string): NormalizedPath {
  return { ok: false, detail };
}

/** Step 2 alone, for a gateway that does not normalise. */
function keepSlashes(raw: string, rules: PathRules): string | NormalizedPath {
  if (rules.escapedSlashes === "keep") return raw;
  if (raw.includes("\\") || /%(?:2f|5c)/i.test(raw))
    return refuse("an encoded / or \\ in the path");
  return raw;
}

/** Steps 1 and 2: one pass over the path. */
function decodeUnreserved(raw: string, rules: PathRules): string | NormalizedPath {
  if (!raw.includes("%") && !raw.includes("\\")) return raw;
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c === "\\") {
      if (rules.escapedSlashes === "reject") return refuse("a \\ in the path");
      out += c;
      continue;
    }
    if (c !== "%") {
      out += c;
      continue;
    }
    const hex = raw.slice(i + 1, i + 3);
    if (!HEX.test(hex)) return refuse("a % not followed by two hex digits");
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    if (char === "\0") return refuse("an encoded NUL (%00) in the path");
    if ((char === "/" || char === "\\") && rules.escapedSlashes === "reject")
      return refuse("an encoded / or \\ in the path");
    out += UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
    i += 2;
  }
  return out;
}

/**
 * RFC 3986 §5.2.4 over a path that starts with `/`, as a stack of segments. A trailing `.`
 * or `..` leaves a trailing `/` (`/a/b/..` is `/a/`), as the RFC's algorithm does.
 */
export function removeDotSegments(path: string): string {
  if (!path.includes(".")) return path;
  const input = path.split("/");
  const output: string[] = [];
  for (let i = 1; i < input.length; i++) {
    const segment = input[i] as string;
    const last = i === input.length - 1;
    if (segment === ".") {
      if (last) output.push("");
    } else if (segment === "..") {
      output.pop();
      if (last) output.push("");
    } else {
      output.push(segment);
    }
  }
  return `/${output.join("/")}`;
}
