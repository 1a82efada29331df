/**
 * Is memory flat over a soak? An ordinary least-squares line through the RSS samples (MB
 * against minutes), its slope with the slope's standard error, and the residual standard
 * deviation σ: how far RSS swings around the line (V8's young-generation cycles and lazy
 * old-generation collections make a saw-tooth of tens of MB).
 *
 * The rule ("no growth beyond noise"): RSS is flat when the line rises over the whole soak by
 * no more than 2σ, i.e. slope ≤ 2σ ÷ duration, the slope the saw-tooth alone can draw. A
 * falling line is flat. The slope's standard error is reported but not judged: the samples
 * are far from independent (one saw-tooth spans many), so it understates the uncertainty and
 * would call a harmless saw-tooth a leak. Fewer than MIN_SAMPLES samples: not measured.
 * Pure.
 */
import { atMost, type Verdict } from "./verdict.ts";

export interface RssPoint {
  /** Minutes since the first sample. */
  readonly minutes: number;
  readonly mb: number;
}

export interface SlopeFit {
  readonly samples: number;
  readonly durationMin: number;
  readonly slopeMBPerMin: number;
  readonly slopeStdErrMBPerMin: number;
  /** Residual standard deviation around the line, MB. */
  readonly residualSdMB: number;
  /** The largest slope the rule calls flat: 2σ ÷ duration, MB/min. */
  readonly noiseMBPerMin: number;
  /** The line's rise over the soak, MB. */
  readonly growthMB: number;
}

export const MIN_SAMPLES = 10;

export function fitSlope(points: readonly RssPoint[]): SlopeFit {
  const n = points.length;
  const meanT = points.reduce((sum, p) => sum + p.minutes, 0) / n;
  const meanY = points.reduce((sum, p) => sum + p.mb, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (p.minutes - meanT) ** 2;
    sxy += (p.minutes - meanT) * (p.mb - meanY);
  }
  const slope = sxx > 0 ? sxy / sxx : Number.NaN;
  let squares = 0;
  for (const p of points) squares += (p.mb - (meanY + slope * (p.minutes - meanT))) ** 2;
  const residualSd = n > 2 ? Math.sqrt(squares / (n - 2)) : Number.NaN;
  const first = points[0]?.minutes ?? 0;
  const durationMin = (points[n - 1]?.minutes ?? 0) - first;
  return {
    samples: n,
    durationMin,
    slopeMBPerMin: slope,
    slopeStdErrMBPerMin: sxx > 0 ? residualSd / Math.sqrt(sxx) : Number.NaN,
    residualSdMB: residualSd,
    noiseMBPerMin: durationMin > 0 ? (2 * residualSd) / durationMin : Number.NaN,
    growthMB: slope * durationMin,
  };
}

export function flatVerdict(fit: SlopeFit): Verdict {
  if (fit.samples < MIN_SAMPLES) return "NOT MEASURED";
  return atMost(fit.slopeMBPerMin, fit.noiseMBPerMin);
}
