/**
 * Settings of the active prober: how often, how long, what to ask and what counts as healthy.
 * A plain type with its defaults and bounds beside each field (STYLE.md 4); the config layer
 * that reads them from a file checks them with `checkProbeSettings` and keeps the last good.
 */

/** An inclusive range of HTTP status codes, e.g. `{ min: 200, max: 399 }`. */
export interface StatusRange {
  readonly min: number;
  readonly max: number;
}

/** Healthy answers: one range, or a list mixing codes and ranges (`[200, 204, { min: 300, max: 399 }]`). */
export type ExpectedStatus = StatusRange | readonly (number | StatusRange)[];

export interface ProbeSettings {
  /** Wait between the end of one probe of a backend and the start of the next, ms. Default 2000; 10..3_600_000. */
  readonly intervalMs: number;
  /** Each wait is intervalMs × (1 ± jitterRatio), uniform. Default 0.1 (±10 %); 0..0.5. */
  readonly jitterRatio: number;
  /** A probe not answered (status and body) within this is a failure `timeout`, ms. Default 1000; 1..600_000. */
  readonly timeoutMs: number;
  /** Path of the GET, from the root. Default "/healthz". */
  readonly path: string;
  /** Statuses that count as healthy. Default 200..399. Codes 100..599. */
  readonly expectedStatus: ExpectedStatus;
  /** Weight of the newest sample in the latency EWMA. Default 0.3; above 0, at most 1. */
  readonly ewmaAlpha: number;
}

export const DEFAULT_PROBE_SETTINGS: ProbeSettings = Object.freeze({
  intervalMs: 2_000,
  jitterRatio: 0.1,
  timeoutMs: 1_000,
  path: "/healthz",
  expectedStatus: Object.freeze({ min: 200, max: 399 }),
  ewmaAlpha: 0.3,
});

function checkRange(
  errors: string[],
  field: string,
  value: unknown,
  [min, max]: [number, number],
  integer = true,
): void {
  const ok =
    typeof value === "number" &&
    Number.isFinite(value) &&
    (!integer || Number.isInteger(value)) &&
    value >= min &&
    value <= max;
  if (!ok) errors.push(`${field}: expected ${integer ? "an integer" : "a number"} ${min}..${max}`);
}

function checkStatus(errors: string[], field: string, entry: unknown): void {
  if (typeof entry === "number") {
    checkRange(errors, field, entry, [100, 599]);
    return;
  }
  const range = entry as Partial<StatusRange> | null;
  if (typeof range !== "object" || range === null) {
    errors.push(`${field}: expected a status code or { min, max }`);
    return;
  }
  checkRange(errors, `${field}.min`, range.min, [100, 599]);
  checkRange(errors, `${field}.max`, range.max, [100, 599]);
  if ((range.min ?? 0) > (range.max ?? 0)) errors.push(`${field}: min is above max`);
}

/** Every problem with `settings`, as `field: message`; empty when they are usable. Pure. */
export function checkProbeSettings(settings: ProbeSettings): string[] {
  const errors: string[] = [];
  checkRange(errors, "intervalMs", settings.intervalMs, [10, 3_600_000]);
  checkRange(errors, "jitterRatio", settings.jitterRatio, [0, 0.5], false);
  checkRange(errors, "timeoutMs", settings.timeoutMs, [1, 600_000]);
  if (typeof settings.path !== "string" || !/^\/\S*$/.test(settings.path)) {
    errors.push("path: expected a path starting with / and without spaces");
  }
  const expected = settings.expectedStatus;
  if (Array.isArray(expected)) {
    if (expected.length === 0) errors.push("expectedStatus: expected at least one status");
    for (const [i, entry] of expected.entries()) checkStatus(errors, `expectedStatus.${i}`, entry);
  } else {
    checkStatus(errors, "expectedStatus", expected);
  }
  const alpha = settings.ewmaAlpha;
  if (!(typeof alpha === "number" && alpha > 0 && alpha <= 1)) {
    errors.push("ewmaAlpha: expected a number above 0 and at most 1");
  }
  return errors;
}

/** The defaults with `overrides` on top, checked; throws a RangeError listing every problem. */
export function resolveProbeSettings(overrides: Partial<ProbeSettings> = {}): ProbeSettings {
  const defined = Object.entries(overrides).filter(([, value]) => value !== undefined);
  const settings = Object.freeze({ ...DEFAULT_PROBE_SETTINGS, ...Object.fromEntries(defined) });
  const errors = checkProbeSettings(settings);
  if (errors.length > 0) throw new RangeError(`invalid probe settings: ${errors.join("; ")}`);
  return settings;
}
