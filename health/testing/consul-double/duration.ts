/**
 * Consul's `wait` (and a check's `TTL`/`Interval`) use Go's duration syntax: one or more
 * decimal numbers, each with an optional fraction and a unit — "100ms", "5s", "1m30s",
 * "1.5h". A bare "0" is allowed; any other number needs a unit. Units: ns, us (or µs), ms,
 * s, m, h. Returns milliseconds (fractions kept), or undefined when the text is not a duration.
 */
const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

const PART = String.raw`(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)`;

export function parseGoDuration(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    sign = rest.startsWith("-") ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") return undefined;
  let total = 0;
  const part = new RegExp(PART, "y"); // sticky: each part must start where the last ended
  while (part.lastIndex < rest.length) {
    const at = part.lastIndex;
    const match = part.exec(rest);
    if (match === null || match.index !== at) return undefined;
    total += Number(match[1]) * (UNIT_MS[match[2] ?? ""] ?? Number.NaN);
  }
  return Number.isFinite(total) ? sign * total : undefined;
}
