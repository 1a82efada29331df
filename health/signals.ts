/**
 * One health signal (error ratio, p99 / SLO, saturation) as a fraction of the site that still
 * works: 1 at or under `degradedAbove`, 0 at or over `downAbove`, linear between. Hysteresis:
 * a signal that has tripped (gone over `degradedAbove`) clears only once it falls under
 * `degradedAbove × recoverBelowFactor`, and until then it is measured from that lower start.
 */
export interface SignalThresholds {
  readonly degradedAbove: number;
  readonly downAbove: number;
}

export interface SignalReading {
  /** 0..1: the share of the site this signal says still works. */
  readonly fraction: number;
  readonly tripped: boolean;
}

export function readSignal(
  value: number,
  thresholds: SignalThresholds,
  wasTripped: boolean,
  recoverBelowFactor: number,
): SignalReading {
  const start = wasTripped
    ? thresholds.degradedAbove * recoverBelowFactor
    : thresholds.degradedAbove;
  const tripped = wasTripped ? value >= start : value > start;
  if (!tripped || !Number.isFinite(value)) return { fraction: 1, tripped: false };
  if (value >= thresholds.downAbove) return { fraction: 0, tripped };
  const span = thresholds.downAbove - start;
  return { fraction: span > 0 ? Math.min(1, Math.max(0, 1 - (value - start) / span)) : 0, tripped };
}

/**
 * Ramp back (as Envoy's slow start): a site's fraction may fall at once but rises at most
 * `elapsedMs / rampUpMs` since the last evaluation, so a recovered site regains traffic
 * over `rampUpMs` instead of all at once.
 */
export function rampedFraction(
  previous: number,
  target: number,
  elapsedMs: number,
  rampUpMs: number,
): number {
  if (target <= previous || rampUpMs <= 0) return target;
  return Math.min(target, previous + Math.max(0, elapsedMs) / rampUpMs);
}
