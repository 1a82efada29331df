/**
 * A goal's verdict. NOT MEASURED is never a pass: a figure that could not be taken (a target
 * not run, a rate not asked, a baseline that could not hold its own rate) says nothing about
 * the goal. Pure.
 */

export type Verdict = "MET" | "MISSED" | "NOT MEASURED";

/** Rounding slack, so a figure equal to its limit up to float error is at the limit. */
const EPSILON = 1e-9;

/** MET when `value` ≤ `limit`; NOT MEASURED when either is NaN or undefined. */
export function atMost(value: number | undefined, limit: number | undefined): Verdict {
  if (value === undefined || limit === undefined) return "NOT MEASURED";
  if (Number.isNaN(value) || Number.isNaN(limit)) return "NOT MEASURED";
  return value <= limit + EPSILON ? "MET" : "MISSED";
}
