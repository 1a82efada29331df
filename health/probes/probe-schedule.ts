/**
 * The prober's scheduling math, pure: the random draw `r` in [0, 1) is an argument.
 *
 * A backend's probes never overlap: the next one is due a jittered interval after the
 * previous one ended (as Envoy's health checker does), so a slow backend is probed less
 * often rather than piling up requests, and jitter keeps backends from falling into step.
 */

/**
 * Delay before target `index` of `count` first fires: the interval cut into `count` equal
 * slots, target `index` at a random point of slot `index` (stratified sampling). 50 targets
 * at 2 s fire 40 ms apart on average, never all at once, and never two in one slot.
 */
export function startOffsetMs(index: number, count: number, intervalMs: number, r: number): number {
  if (count <= 0) return 0;
  const slot = Math.min(Math.max(index, 0), count - 1);
  return Math.floor(((slot + clampUnit(r)) * intervalMs) / count);
}

/** Wait after a probe ended before the next one: intervalMs × (1 ± jitterRatio), uniform, at least 1 ms. */
export function nextDelayMs(intervalMs: number, jitterRatio: number, r: number): number {
  return Math.max(1, Math.round(intervalMs * (1 + jitterRatio * (2 * clampUnit(r) - 1))));
}

/** A random source may return 1 (or worse); keep the draw in [0, 1]. */
function clampUnit(r: number): number {
  return Number.isFinite(r) ? Math.min(1, Math.max(0, r)) : 0.5;
}
