/**
 * One gateway's reading of each site (pure): the facts the site panel and `gateway status`
 * show from that gateway's perspective — state, health, dial, RTT from it, its traffic share
 * per service, its breaker and backends to the site, and the site's ops overrides with who,
 * when and why where the answer has them (the flags alone where it does not).
 */
import type { OverrideRecord, ReportedState, SitesBody } from "./sites-body.ts";

export interface OverrideNote {
  /** What the override does: `draining`, `compromised`, `dial 40%`. */
  readonly what: readonly string[];
  readonly scope: string | null;
  readonly who: string | null;
  readonly at: string | null;
  readonly why: string | null;
  readonly expiresAt: string | null;
}

export interface BackendReading {
  readonly address: string;
  readonly breaker: string | null;
  readonly outstanding: number | null;
}

export interface SiteReading {
  readonly state: ReportedState;
  readonly health: number | null;
  readonly dial: number | null;
  readonly rttMs: number | null;
  /** Share of this gateway's traffic (a client of unknown location) per service, 0..1. */
  readonly share: Readonly<Record<string, number>>;
  readonly breaker: string | null;
  readonly backends: readonly BackendReading[];
  readonly overrides: readonly OverrideNote[];
}

export function gatewayRows(body: SitesBody): Record<string, SiteReading> {
  const rows: Record<string, SiteReading> = {};
  for (const row of body.sites)
    rows[row.id] = {
      state: row.state,
      health: row.health ?? null,
      dial: row.dial ?? null,
      rttMs: row.rttMs ?? null,
      share: row.shareFromHere,
      breaker: row.breaker ?? null,
      backends: row.backends.map((b) => ({
        address: b.address,
        breaker: b.breaker ?? null,
        outstanding: b.outstanding ?? null,
      })),
      overrides: overrideNotes(body, row.id),
    };
  return rows;
}

type Flags = NonNullable<OverrideRecord["flags"]>;

/** What a set of flags does, in words; empty for flags that change nothing. */
export function flagWords(flags: Flags): string[] {
  const words: string[] = [];
  if (flags.compromised) words.push("compromised");
  if (flags.draining) words.push("draining");
  if (flags.trafficDialPercent !== undefined && flags.trafficDialPercent < 100)
    words.push(`dial ${flags.trafficDialPercent}%`);
  return words;
}

/** The records (`opsOverrides`) where the answer has them, else the bare flags (`overrides`). */
function overrideNotes(body: SitesBody, site: string): OverrideNote[] {
  const records = body.opsOverrides?.[site];
  if (records)
    return records.map((record) => ({
      what: flagWords(record.flags ?? {}),
      scope: record.scope ?? null,
      who: record.who ?? null,
      at: record.at ?? null,
      why: record.why ?? null,
      expiresAt: record.expiresAt ?? null,
    }));
  const flags = body.overrides[site];
  const what = flags ? flagWords(flags) : [];
  if (what.length === 0) return [];
  return [{ what, scope: null, who: null, at: null, why: null, expiresAt: null }];
}
