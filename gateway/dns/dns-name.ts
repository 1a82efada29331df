/**
 * Names as the remote backend sends them and as the zones hold them. PowerDNS sends a query
 * name in presentation form with its trailing dot (`www.Example.test.`), escaping unusual
 * octets (`\032`, `\.`); the gateway's names are plain lowercase host names, so a name with an
 * escape is none of them. Pure.
 */

/** RFC 1035: at most 253 characters in presentation form without the trailing dot. */
export const MAX_NAME_CHARS = 253;

/**
 * `www.Example.test.` → `www.example.test`; undefined for a name the gateway never holds: an
 * escape (`\`), an empty label, over 253 characters. The root (`.`) is the empty string.
 */
export function normalizeQname(qname: string): string | undefined {
  const name = (qname.endsWith(".") ? qname.slice(0, -1) : qname).toLowerCase();
  if (name.length > MAX_NAME_CHARS || name.includes("\\")) return undefined;
  if (name !== "" && name.split(".").some((label) => label === "")) return undefined;
  return name;
}

/** Whether `name` is `zone` itself or a name below it (`www.example.test` below `example.test`). */
export function isAtOrBelow(name: string, zone: string): boolean {
  return name === zone || (name.length > zone.length && name.endsWith(`.${zone}`));
}

/** The names strictly between `name` and `zone` (`a.b.example.test` → `b.example.test`). */
export function namesBetween(name: string, zone: string): string[] {
  const between: string[] = [];
  let current = name;
  for (let dot = current.indexOf("."); dot >= 0; dot = current.indexOf(".")) {
    current = current.slice(dot + 1);
    if (current.length <= zone.length) break;
    between.push(current);
  }
  return between;
}
