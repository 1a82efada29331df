/**
 * What `/sites` shows: the snapshot, each site's place (country, coordinates, capacity: the ops
 * view's map draws from them), state and share from this ingress, breakers, and the GeoIP
 * database in use (the reloads it refused, the look-ups that failed).
 */

import { planForService } from "../../routing-tables/decide.ts";
import type { GeoipStatus } from "../client-facts/geoip-source.ts";
import type { SiteUpstreamView } from "../forward/upstream-view.ts";
import type { RejectedConfig, RoutingState } from "../state/routing-state.ts";

/** At most this many errors of a refused config are shown, each field cut to this length. */
export const SHOWN_ERRORS = 20;
export const SHOWN_CHARS = 300;

/**
 * A refused config as /sites shows it: its first SHOWN_ERRORS errors, each text cut to
 * SHOWN_CHARS, and how many there were. A garbage file can yield errors by the thousand,
 * each quoting what it read; the full list is in the log and in `gateway validate`.
 */
export function boundedRejection(rejected: RejectedConfig) {
  const cut = (text: string) =>
    text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}… (${text.length} chars)` : text;
  return {
    atMs: rejected.atMs,
    errorCount: rejected.errors.length,
    errors: rejected.errors.slice(0, SHOWN_ERRORS).map((e) => ({
      file: cut(e.file),
      line: e.line,
      column: e.column,
      path: cut(e.path),
      message: cut(e.message),
    })),
  };
}

/** `upstreams`: the gateway's view over all its data planes (forward/upstream-view.ts). */
export function sitesReport(
  ingress: string,
  state: RoutingState,
  upstreams: ReadonlyMap<string, SiteUpstreamView>,
  geoip: GeoipStatus | null = null,
) {
  const snapshot = state.snapshot;
  const shares = new Map<string, Record<string, number>>();
  for (const service of snapshot.services) {
    const plan = planForService(snapshot, service, { ingress, client: {} });
    for (const candidate of plan.candidates) {
      const entry = shares.get(candidate.site.id) ?? {};
      entry[service.name] = Number(candidate.weight.toFixed(4));
      shares.set(candidate.site.id, entry);
    }
  }
  const rttFromHere = snapshot.rttMs[snapshot.siteIndex.get(ingress) ?? 0];
  return {
    ingress,
    snapshotVersion: snapshot.version,
    snapshotAgeMs: state.ageMs(),
    rejectedConfig: state.rejected ? boundedRejection(state.rejected) : null,
    geoip,
    overrides: state.inputs.overrides,
    sites: snapshot.sites.map((site) => {
      const upstream = upstreams.get(site.id);
      return {
        id: site.id,
        name: site.config.name,
        tier: site.tier,
        country: site.config.country,
        latitude: site.config.latitude,
        longitude: site.config.longitude,
        capacity: site.config.capacity,
        state: site.state,
        health: site.health,
        dial: site.dial,
        rttMs: Number((rttFromHere?.[site.index] ?? 0).toFixed(2)),
        shareFromHere: shares.get(site.id) ?? {},
        breaker: upstream?.breaker ?? null,
        backends: upstream?.backends ?? [],
      };
    }),
  };
}
