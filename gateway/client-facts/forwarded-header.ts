/**
 * The hop addresses proxies append to a request, read from `X-Forwarded-For` (a comma list)
 * or `Forwarded` (RFC 7239), left (the client's end) to right (the nearest proxy). Nodes are
 * returned as written (`"[2001:db8::1]:4711"` unquoted to `[2001:db8::1]:4711`); turning
 * them into addresses is trusted-proxies.ts's job. Empty list elements are dropped, as
 * RFC 9110 §5.6.1 asks of recipients. Pure functions.
 */

/** A node as written, or undefined where a hop's node cannot be read. */
export type ForwardedNode = string | undefined;

/** X-Forwarded-For's entries, trimmed; repeated header lines arrive joined by ", ". */
export function xForwardedForNodes(value: string): ForwardedNode[] {
  return value
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}

/**
 * Each Forwarded element's `for` value (parameter names are case-insensitive; quoted strings
 * unescaped). An element without exactly one `for`, or with broken syntax (an unterminated
 * quote, a pair without "="), gives undefined.
 */
export function forwardedForNodes(value: string): ForwardedNode[] {
  return splitOutside(value, ",")
    .filter((element) => element.text.trim() !== "")
    .map((element) => (element.broken ? undefined : forOf(element.text)));
}

interface Part {
  readonly text: string;
  /** True when the part opens a quoted string that never closes. */
  readonly broken: boolean;
}

/** `text` split at `separator` where it is outside quoted strings (backslash escapes). */
function splitOutside(text: string, separator: string): Part[] {
  const parts: Part[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted && char === "\\") i++;
    else if (char === '"') quoted = !quoted;
    else if (!quoted && char === separator) {
      parts.push({ text: text.slice(start, i), broken: false });
      start = i + 1;
    }
  }
  parts.push({ text: text.slice(start), broken: quoted });
  return parts;
}

/** The single `for` value of one element, or undefined. */
function forOf(element: string): ForwardedNode {
  let found: ForwardedNode;
  let count = 0;
  for (const pair of splitOutside(element, ";")) {
    if (pair.text.trim() === "") continue;
    const equals = pair.text.indexOf("=");
    if (equals < 0) return undefined;
    if (pair.text.slice(0, equals).trim().toLowerCase() !== "for") continue;
    count++;
    found = unquote(pair.text.slice(equals + 1).trim());
  }
  return count === 1 ? found : undefined;
}

/** A token as is, a quoted string unescaped; undefined for anything else. */
function unquote(value: string): ForwardedNode {
  if (!value.startsWith('"')) return /^[^\s"\\]+$/.test(value) ? value : undefined;
  if (value.length < 2 || !value.endsWith('"')) return undefined;
  return value.slice(1, -1).replace(/\\(.)/g, "$1");
}
