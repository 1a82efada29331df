/**
 * Whether this site's anycast VIP is announced, de-preferred or withdrawn: a pure state
 * machine over what the local gateway says of itself, one observation per poll, with the
 * clock injected (milliseconds on any monotonic scale).
 *
 * Contract:
 * - a worse announcement takes effect at the first observation that asks for it (a withdraw
 *   is immediate: a compromised site stops attracting users at once; a de-preference too);
 * - a better one waits until `riseCount` consecutive observations have asked for better AND
 *   the first of them is at least `holdDownMs` old; any observation that does not ask for
 *   better restarts the count, so a flapping site stays where its worst moment put it;
 * - the route climbs only as far as the worst observation of the run allowed (a site that
 *   alternated degraded/healthy while withdrawn comes back de-preferred, not preferred).
 */

export const ANNOUNCEMENTS = ["withdraw", "deprefer", "announce"] as const;
export type Announcement = (typeof ANNOUNCEMENTS)[number];

/**
 * What the local gateway's admin API said at one poll; `no-session` when the speaker has no
 * BGP session up (a route held for a session that comes back must wait for the hold-down).
 */
export type SiteObservation =
  | { readonly kind: "no-session" }
  | { readonly kind: "unreachable"; readonly reason: string }
  | { readonly kind: "not-ready"; readonly reason: string }
  | { readonly kind: "usable"; readonly state: "healthy" | "degraded"; readonly health: number };

export interface AnnouncePolicy {
  /** Consecutive observations asking for better before the route improves (≥ 1). */
  readonly riseCount: number;
  /** A better announcement waits until the run of better observations is this old, ms. */
  readonly holdDownMs: number;
}

export interface AnnounceState {
  /** What the BGP speaker has been told. */
  readonly current: Announcement;
  /** The run of observations asking for better than `current`, if one is under way. */
  readonly rise?: {
    readonly sinceMs: number;
    readonly count: number;
    /** The worst announcement any observation of the run asked for. */
    readonly floor: Announcement;
  };
}

export interface AnnounceStep {
  readonly state: AnnounceState;
  /** Set when the speaker must be told something new. */
  readonly change?: Announcement;
  /** Why, in words, for logs. */
  readonly reason: string;
}

/** A speaker starts with nothing announced. */
export const WITHDRAWN: AnnounceState = Object.freeze({ current: "withdraw" });

const rank = (a: Announcement) => ANNOUNCEMENTS.indexOf(a);
const worse = (a: Announcement, b: Announcement) => (rank(a) <= rank(b) ? a : b);

/** The announcement one observation asks for, and why. */
export function wantedAnnouncement(observation: SiteObservation): [Announcement, string] {
  if (observation.kind === "no-session") return ["withdraw", "no BGP session up"];
  if (observation.kind === "unreachable")
    return ["withdraw", `gateway unreachable: ${observation.reason}`];
  if (observation.kind === "not-ready")
    return ["withdraw", `gateway not ready: ${observation.reason}`];
  if (observation.state === "degraded")
    return ["deprefer", `site degraded (health ${observation.health.toFixed(2)})`];
  return ["announce", "site healthy"];
}

export function stepAnnounce(
  state: AnnounceState,
  observation: SiteObservation,
  nowMs: number,
  policy: AnnouncePolicy,
): AnnounceStep {
  const [wanted, why] = wantedAnnouncement(observation);
  if (rank(wanted) < rank(state.current))
    return { state: { current: wanted }, change: wanted, reason: `${why}: ${wanted} at once` };
  if (wanted === state.current) return { state: { current: state.current }, reason: why };
  const rise = {
    sinceMs: state.rise?.sinceMs ?? nowMs,
    count: (state.rise?.count ?? 0) + 1,
    floor: state.rise ? worse(state.rise.floor, wanted) : wanted,
  };
  const heldMs = nowMs - rise.sinceMs;
  if (rise.count >= Math.max(1, policy.riseCount) && heldMs >= policy.holdDownMs)
    return {
      state: { current: rise.floor },
      change: rise.floor,
      reason: `${why}: ${rise.floor} after ${rise.count} observations over ${heldMs} ms`,
    };
  return {
    state: { current: state.current, rise },
    reason: `${why}: ${wanted} waits (${rise.count}/${policy.riseCount} observations, ${heldMs}/${policy.holdDownMs} ms held)`,
  };
}
