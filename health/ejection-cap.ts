/**
 * How much capacity passive evidence (what client traffic shows: breakers, error ratio, p99)
 * may take out of rotation: Envoy outlier detection's `max_ejection_percent` ("the maximum %
 * of an upstream cluster that can be ejected due to outlier detection. Defaults to 10% but
 * will eject at least one host regardless of the value"), counted in capacity rather than
 * hosts, because sites differ in size. Pure.
 *
 * Two uses, one rule: the data plane asks `mayEject` before a breaker opens (a backend, or a
 * site whose connects fail), and the health monitor passes every site's passive reading
 * through `capPassive` before it becomes the site's fraction. In both, whoever loses
 * capacity first may always lose it (Envoy's "at least one host"); beyond that, passive
 * losses together stay within `maxEjectionPercent` of the world's capacity.
 */

/** Default share of the world's capacity passive evidence may take out, percent (Envoy's). */
export const DEFAULT_MAX_EJECTION_PERCENT = 10;

/**
 * Passive evidence alone never takes a site below this fraction: a site goes `down` only on
 * evidence no request can forge (active probes or Consul checks failing, or its connects
 * refused). At this floor a site keeps a trickle of real traffic, which is what shows it
 * recovered; retries cover what fails meanwhile.
 */
export const PASSIVE_FLOOR = 0.1;

/**
 * May one more ejection happen? `elsewhere`: capacity already ejected in other sites;
 * `after`: what this site would have ejected, this one included; `total`: the world's.
 */
export function mayEject(
  elsewhere: number,
  after: number,
  total: number,
  maxEjectionPercent: number,
): boolean {
  if (!(elsewhere > 0)) return true; // the first to go may always go
  return elsewhere + after <= (total * maxEjectionPercent) / 100;
}

export interface PassiveReading {
  readonly capacity: number;
  /** 0..1: the share of the site the passive signals say still works. */
  readonly fraction: number;
}

/**
 * Every site's passive fraction, floored at PASSIVE_FLOOR and capped together: when the
 * capacity they take out, Σ capacity × (1 − fraction), is more than the budget, every
 * site's loss shrinks by the same factor. The budget is `maxEjectionPercent` of the total
 * capacity, and at least the largest single loss (so one site may always spill fully).
 */
export function capPassive(
  readings: readonly PassiveReading[],
  maxEjectionPercent: number,
): number[] {
  const floored = readings.map((r) => Math.max(PASSIVE_FLOOR, Math.min(1, r.fraction)));
  const losses = readings.map((r, i) => Math.max(0, r.capacity) * (1 - (floored[i] as number)));
  const total = readings.reduce((sum, r) => sum + Math.max(0, r.capacity), 0);
  const lost = losses.reduce((a, b) => a + b, 0);
  const budget = Math.max((total * maxEjectionPercent) / 100, ...losses);
  if (!(lost > budget)) return floored;
  const scale = budget / lost;
  return readings.map((r, i) =>
    r.capacity > 0 ? 1 - ((losses[i] as number) * scale) / r.capacity : 1,
  );
}
