/**
 * Plug-and-play membership as pure rules (table-tested): which sites the fleet's catalogue
 * entries (`<prefix>/sites/<id>`) add to the serving catalogue, and when they leave.
 *
 * - The file catalogue is the seed and wins: a site it lists is never a fleet member (its
 *   entry, if any, is ignored), and the fleet never removes a file site.
 * - An entry for a site the file does not list is a **candidate**: it is probed, and becomes
 *   a **member** (routed to) once one of its backends has passed `rise` probes in a row
 *   (HAProxy's rise rule). A changed entry of a member applies at once; of a candidate, it
 *   starts the count again.
 * - A member whose entry is gone from every readable control datacenter is **leaving**; it is
 *   removed once it has been gone `leaveAfterMs` (hysteresis: a write being replaced, a
 *   datacenter catching up), and never when it is the serving catalogue's last hub.
 * - No readable control datacenter (`entries` undefined): nothing changes — not visible is
 *   not gone.
 */
import type { SiteConfig } from "../../../routing-tables/catalogue-schema.ts";

export interface Member {
  readonly site: SiteConfig;
  /** Since when its entry is gone from every readable control datacenter, ms. */
  readonly absentSinceMs?: number;
}

export interface Candidate {
  readonly site: SiteConfig;
  /** Probes passed in a row, per backend. */
  readonly passes: Readonly<Record<string, number>>;
  /** Why it cannot join (the catalogue with it does not validate), when so. */
  readonly refused?: string;
}

export interface Membership {
  readonly members: Readonly<Record<string, Member>>;
  readonly candidates: Readonly<Record<string, Candidate>>;
}

export const EMPTY_MEMBERSHIP: Membership = { members: {}, candidates: {} };

const same = (a: SiteConfig, b: SiteConfig) => JSON.stringify(a) === JSON.stringify(b);

/** Takes in the entries now visible (undefined: none readable). */
export function observeEntries(
  m: Membership,
  entries: Readonly<Record<string, SiteConfig>> | undefined,
  fileIds: ReadonlySet<string>,
  nowMs: number,
): Membership {
  if (entries === undefined) return m;
  const members: Record<string, Member> = {};
  const candidates: Record<string, Candidate> = {};
  for (const [id, member] of Object.entries(m.members)) {
    if (fileIds.has(id)) continue; // the file lists it now: it is the file's
    const entry = entries[id];
    members[id] = entry
      ? { site: entry }
      : { site: member.site, absentSinceMs: member.absentSinceMs ?? nowMs };
  }
  for (const [id, site] of Object.entries(entries)) {
    if (fileIds.has(id) || members[id]) continue;
    const known = m.candidates[id];
    candidates[id] = known && same(known.site, site) ? known : { site, passes: {} };
  }
  return { members, candidates };
}

/** One probe of a candidate's backend (a failure starts its count again). */
export function recordProbe(m: Membership, id: string, backend: string, ok: boolean): Membership {
  const candidate = m.candidates[id];
  if (!candidate) return m;
  const passes = { ...candidate.passes, [backend]: ok ? (candidate.passes[backend] ?? 0) + 1 : 0 };
  return { ...m, candidates: { ...m.candidates, [id]: { ...candidate, passes } } };
}

/** Candidates whose probes passed the rise rule (and that nothing refused). */
export function risen(m: Membership, rise: number): string[] {
  return Object.entries(m.candidates)
    .filter(([, c]) => c.refused === undefined && Object.values(c.passes).some((n) => n >= rise))
    .map(([id]) => id);
}

export function admit(m: Membership, id: string): Membership {
  const candidate = m.candidates[id];
  if (!candidate) return m;
  const { [id]: _joined, ...candidates } = m.candidates;
  return { members: { ...m.members, [id]: { site: candidate.site } }, candidates };
}

export function refuse(m: Membership, id: string, why: string): Membership {
  const candidate = m.candidates[id];
  if (!candidate) return m;
  return { ...m, candidates: { ...m.candidates, [id]: { ...candidate, refused: why } } };
}

/**
 * Members gone for `leaveAfterMs` or longer, minus any whose removal would leave the serving
 * catalogue without a hub (`fileHubs`: hubs the file lists).
 */
export function dueToLeave(
  m: Membership,
  nowMs: number,
  leaveAfterMs: number,
  fileHubs: number,
): { leave: string[]; keptLastHub: string[] } {
  const due = Object.entries(m.members).filter(
    ([, member]) =>
      member.absentSinceMs !== undefined && nowMs - member.absentSinceMs >= leaveAfterMs,
  );
  const staying = Object.values(m.members).filter(
    (member) => member.site.tier === "hub" && !due.some(([, d]) => d === member),
  ).length;
  const leave: string[] = [];
  const keptLastHub: string[] = [];
  let hubs = fileHubs + staying;
  for (const [id, member] of due) {
    if (member.site.tier !== "hub") leave.push(id);
    else if (hubs > 0) leave.push(id);
    else {
      keptLastHub.push(id);
      hubs += 1;
    }
  }
  return { leave, keptLastHub };
}

/** The members' entries, by id, for the routing state. */
export const memberSites = (m: Membership): SiteConfig[] =>
  Object.keys(m.members)
    .sort()
    .map((id) => (m.members[id] as Member).site);
