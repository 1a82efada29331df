/**
 * An ops override as ops made it: what it sets, who, when, why, until when, and its place in
 * the order of overrides of that site (`generation`). Pure rules over records, table-tested:
 *
 * - **Newer wins, absence changes nothing.** A record replaces the one known for its site only
 *   when it is newer (a higher generation; on a tie, a later time, then the writer's name). A
 *   site missing from an answer keeps its record: "not visible" (an ACL, a datacenter that
 *   lost its data, a deleted key) is never read as "restored". A restore is a record too
 *   (no flags), written by an explicit restore.
 * - **A compromise never expires.** Expiry applies to a drain and a dial only.
 * - **Local over fleet, a compromise from either.** A gateway's own `--local` override sets
 *   its fields over the fleet's; `compromised` holds when either says so.
 */
import type { OpsOverride } from "../../routing-tables/snapshot.ts";

export interface OverrideRecord {
  /** What the site's override is after this action ({} once restored). */
  readonly flags: OpsOverride;
  /** The order of this site's overrides: each write is one above the highest it knew. */
  readonly generation: number;
  /** `X-Ops-User@peer`, or who wrote it by hand. */
  readonly who: string;
  /** When it was made, ms since the epoch. */
  readonly atMs: number;
  readonly why: string;
  /** After this (ms since the epoch) a drain or dial no longer applies; a compromise ignores it. */
  readonly expiresAtMs?: number;
}

/** Where an override was made: for every gateway (the place of record) or this one only. */
export type OverrideScope = "fleet" | "local";

export type RecordSet = Readonly<Record<string, OverrideRecord>>;

/** What an action asks for: flags to merge in, or `undefined` to restore. */
export interface OverrideAction {
  readonly change: OpsOverride | undefined;
  readonly who: string;
  readonly why: string;
  readonly atMs: number;
  readonly expiresAtMs?: number | undefined;
}

export function isNewer(candidate: OverrideRecord, known: OverrideRecord | undefined): boolean {
  if (known === undefined) return true;
  if (candidate.generation !== known.generation) return candidate.generation > known.generation;
  if (candidate.atMs !== known.atMs) return candidate.atMs > known.atMs;
  return candidate.who > known.who;
}

/** The known records with every newer incoming one taken in; undefined when nothing changed. */
export function absorb(known: RecordSet, incoming: RecordSet): RecordSet | undefined {
  let next: Record<string, OverrideRecord> | undefined;
  for (const [site, record] of Object.entries(incoming)) {
    if (!isNewer(record, known[site])) continue;
    next ??= { ...known };
    next[site] = record;
  }
  return next;
}

/**
 * The record an action makes over `current`: its flags merged over the current ones (a drain
 * on a compromised site keeps the compromise), or none for a restore; one generation above
 * both the current record's and `knownGeneration` (what this gateway has seen of the site).
 */
export function recordFor(
  current: OverrideRecord | undefined,
  action: OverrideAction,
  knownGeneration = 0,
): OverrideRecord {
  const flags = action.change ? { ...current?.flags, ...action.change } : {};
  const generation = Math.max(current?.generation ?? 0, knownGeneration) + 1;
  return {
    flags,
    generation,
    who: action.who,
    atMs: action.atMs,
    why: action.why,
    ...(action.expiresAtMs !== undefined &&
      !flags.compromised && { expiresAtMs: action.expiresAtMs }),
  };
}

/** The flags a record sets at `nowMs`: all of them, or only the compromise once it expired. */
export function flagsAt(record: OverrideRecord, nowMs: number): OpsOverride {
  const expired = record.expiresAtMs !== undefined && nowMs >= record.expiresAtMs;
  if (!expired) return record.flags;
  return record.flags.compromised ? { compromised: true } : {};
}

/** The overrides routing uses at `nowMs`: fleet, then local over it, a compromise from either. */
export function effectiveOverrides(
  fleet: RecordSet,
  local: RecordSet,
  nowMs: number,
): Record<string, OpsOverride> {
  const out: Record<string, OpsOverride> = {};
  for (const site of new Set([...Object.keys(fleet), ...Object.keys(local)])) {
    const fromFleet = fleet[site] ? flagsAt(fleet[site], nowMs) : {};
    const fromLocal = local[site] ? flagsAt(local[site], nowMs) : {};
    const merged: OpsOverride = { ...fromFleet, ...fromLocal };
    const compromised = fromFleet.compromised === true || fromLocal.compromised === true;
    const flags = compromised ? { ...merged, compromised: true } : merged;
    if (Object.values(flags).some((v) => v !== undefined && v !== false)) out[site] = flags;
  }
  return out;
}

/** Who, when, why, until when and the generation of a record, as written for people and KV. */
export function recordFacts(record: OverrideRecord) {
  return {
    generation: record.generation,
    who: record.who,
    at: new Date(record.atMs).toISOString(),
    why: record.why,
    ...(record.expiresAtMs !== undefined && {
      expiresAt: new Date(record.expiresAtMs).toISOString(),
    }),
  };
}

/** The next time an override expires after `nowMs` (to re-evaluate then), if any. */
export function nextExpiry(sets: readonly RecordSet[], nowMs: number): number | undefined {
  let next: number | undefined;
  for (const set of sets)
    for (const record of Object.values(set)) {
      const at = record.expiresAtMs;
      if (at !== undefined && at > nowMs && (next === undefined || at < next)) next = at;
    }
  return next;
}
