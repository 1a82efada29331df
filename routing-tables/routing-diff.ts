/**
 * What changes between two what-if runs over the same mix (two policies, or two scenarios):
 * per client group and service, which share of its requests/s lands on another site, from
 * where to where, with both sides' kinds and reasons, as `terraform plan` lists resources.
 * "No site" is a destination too (`no site: residency_blocked`), so traffic that stops being
 * served shows as a move. Pure.
 *
 * The moved share of a group is the total variation between its two distributions over
 * destinations: Σ max(0, before − after). Moves pair the destinations that lost with those
 * that gained, largest first (a greedy transport plan: any pairing with these sums is as true;
 * this one is deterministic and lists few lines).
 */
import type { Simulation } from "./simulation.ts";

export interface Side {
  readonly kinds: readonly string[];
  readonly reasons: readonly string[];
}

export interface Move {
  readonly from: string;
  readonly to: string;
  readonly rps: number;
  readonly before: Side;
  readonly after: Side;
}

export interface GroupChange {
  readonly group: string;
  readonly service: string;
  readonly rps: number;
  readonly movedRps: number;
  readonly moves: readonly Move[];
}

export interface SiteChange {
  readonly site: string;
  readonly beforeRps: number;
  readonly afterRps: number;
}

export interface RoutingDiff {
  readonly rps: number;
  readonly movedRps: number;
  /** movedRps / rps; 0 for an empty mix. */
  readonly movedShare: number;
  readonly groups: readonly GroupChange[];
  readonly sites: readonly SiteChange[];
}

/** Changes smaller than this share of the mix are rounding, not moves. */
const EPSILON = 1e-9;
const MAX_REASONS = 4;
const SEP = "\u0000";

interface Destination {
  rps: number;
  readonly kinds: string[];
  readonly reasons: string[];
}

type Distribution = Map<string, Destination>;

export const noSite = (code: string) => `no site: ${code}`;

function pushCapped(into: string[], items: readonly string[]): void {
  for (const item of items) if (into.length < MAX_REASONS && !into.includes(item)) into.push(item);
}

/** (group, service) → destination → requests/s with kinds and reasons. */
function distributions(simulation: Simulation): Map<string, Distribution> {
  const out = new Map<string, Distribution>();
  const add = (group: string, service: string, to: string, rps: number, why: Side) => {
    const key = group + SEP + service;
    const dist = out.get(key) ?? new Map<string, Destination>();
    out.set(key, dist);
    const dest = dist.get(to) ?? { rps: 0, kinds: [], reasons: [] };
    dist.set(to, dest);
    dest.rps += rps;
    pushCapped(dest.kinds, why.kinds);
    pushCapped(dest.reasons, why.reasons);
  };
  for (const f of simulation.flows)
    add(f.group, f.service, f.site, f.rps, { kinds: [f.kind], reasons: f.reasons });
  for (const u of simulation.unserved)
    add(u.group, u.service, noSite(u.code), u.rps, { kinds: [], reasons: [] });
  return out;
}

const NONE: Side = { kinds: [], reasons: [] };
const total = (dist: Distribution | undefined) =>
  [...(dist?.values() ?? [])].reduce((sum, d) => sum + d.rps, 0);

function groupChange(
  key: string,
  before: Distribution | undefined,
  after: Distribution | undefined,
  tolerance: number,
): GroupChange | undefined {
  const [group = "", service = ""] = key.split(SEP);
  const destinations = new Set([...(before?.keys() ?? []), ...(after?.keys() ?? [])]);
  const lost: [string, number][] = [];
  const gained: [string, number][] = [];
  for (const to of destinations) {
    const delta = (after?.get(to)?.rps ?? 0) - (before?.get(to)?.rps ?? 0);
    if (delta > tolerance) gained.push([to, delta]);
    else if (delta < -tolerance) lost.push([to, -delta]);
  }
  if (lost.length === 0 && gained.length === 0) return undefined;
  const bySize = (a: [string, number], b: [string, number]) =>
    b[1] - a[1] || a[0].localeCompare(b[0]);
  lost.sort(bySize);
  gained.sort(bySize);
  const moves: Move[] = [];
  let i = 0;
  let j = 0;
  while (i < lost.length && j < gained.length) {
    const [from, left] = lost[i] as [string, number];
    const [to, room] = gained[j] as [string, number];
    const rps = Math.min(left, room);
    moves.push({ from, to, rps, before: before?.get(from) ?? NONE, after: after?.get(to) ?? NONE });
    (lost[i] as [string, number])[1] -= rps;
    (gained[j] as [string, number])[1] -= rps;
    if ((lost[i] as [string, number])[1] <= tolerance) i++;
    if ((gained[j] as [string, number])[1] <= tolerance) j++;
  }
  const movedRps = moves.reduce((sum, m) => sum + m.rps, 0);
  return { group, service, rps: Math.max(total(before), total(after)), movedRps, moves };
}

export function diffSimulations(before: Simulation, after: Simulation): RoutingDiff {
  const rps = Math.max(before.rps, after.rps);
  const tolerance = EPSILON * Math.max(1, rps);
  const a = distributions(before);
  const b = distributions(after);
  const groups: GroupChange[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const change = groupChange(key, a.get(key), b.get(key), tolerance);
    if (change) groups.push(change);
  }
  groups.sort((x, y) => y.movedRps - x.movedRps || x.group.localeCompare(y.group));
  const movedRps = groups.reduce((sum, g) => sum + g.movedRps, 0);
  const afterRps = new Map(after.sites.map((s) => [s.site, s.rps]));
  const sites = before.sites
    .map((s) => ({ site: s.site, beforeRps: s.rps, afterRps: afterRps.get(s.site) ?? 0 }))
    .filter((s) => Math.abs(s.afterRps - s.beforeRps) > tolerance);
  return { rps, movedRps, movedShare: rps > 0 ? movedRps / rps : 0, groups, sites };
}
