/**
 * Great-circle geometry and the RTT estimate used before any measurement exists.
 *
 * Light in fibre covers about 200 km per millisecond one way, so about 100 km per
 * millisecond of round trip; real paths wander, so the estimate stretches the
 * great-circle distance by ROUTE_STRETCH and never goes below MIN_RTT_MS.
 */

const EARTH_RADIUS_KM = 6371.0088;
const FIBRE_KM_PER_RTT_MS = 100;
/** How much longer a real fibre path is than the great circle (a common rule of thumb). */
export const ROUTE_STRETCH = 1.5;
/** Floor for any estimate: two sites in one city still cost a switch hop or two. */
export const MIN_RTT_MS = 0.5;

export interface Coordinates {
  readonly latitude: number;
  readonly longitude: number;
}

const toRadians = (degrees: number): number => (degrees * Math.PI) / 180;

/** Haversine distance in kilometres. */
export function greatCircleKm(a: Coordinates, b: Coordinates): number {
  const dLat = toRadians(b.latitude - a.latitude);
  const dLon = toRadians(b.longitude - a.longitude);
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(toRadians(a.latitude)) * Math.cos(toRadians(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Estimated round-trip time in milliseconds between two points. */
export function estimateRttMs(a: Coordinates, b: Coordinates): number {
  return Math.max(MIN_RTT_MS, (greatCircleKm(a, b) / FIBRE_KM_PER_RTT_MS) * ROUTE_STRETCH);
}

/**
 * The candidate nearest to `point` by great-circle distance, or undefined when there are
 * none. Ties go to the earlier candidate, so callers decide precedence by order.
 */
export function nearestSite<T extends Coordinates>(
  candidates: Iterable<T>,
  point: Coordinates,
): T | undefined {
  let best: T | undefined;
  let bestKm = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const km = greatCircleKm(point, candidate);
    if (km < bestKm) {
      best = candidate;
      bestKm = km;
    }
  }
  return best;
}
