/**
 * Per-snapshot gauges: version, each site's state and health, and per service the panic flag
 * and spill ratio from here (when this gateway's site is in the catalogue).
 */
import { planForService } from "../../routing-tables/decide.ts";
import type { SiteState, Snapshot } from "../../routing-tables/snapshot.ts";
import type { GatewayMetrics } from "./metrics.ts";

const SITE_STATES: readonly SiteState[] = [
  "healthy",
  "degraded",
  "down",
  "draining",
  "compromised",
];

export function publishSnapshotGauges(
  metrics: GatewayMetrics,
  snapshot: Snapshot,
  ingress: string,
): void {
  metrics.snapshotVersion.set(snapshot.version);
  for (const site of snapshot.sites) {
    for (const state of SITE_STATES)
      metrics.siteState.labels(site.id, state).set(site.state === state ? 1 : 0);
    metrics.siteHealth.labels(site.id).set(site.health);
  }
  // Without this gateway's own site in the catalogue there is no plan from here (readiness
  // says why); the per-service gauges keep their last values rather than throw.
  const here = snapshot.siteIndex.get(ingress);
  if (here === undefined) return;
  const row = snapshot.rttMs[here];
  for (const site of snapshot.sites)
    metrics.siteRtt.labels(site.id).set((row?.[site.index] ?? 0) / 1000);
  for (const service of snapshot.services) {
    const plan = planForService(snapshot, service, { ingress, client: {} });
    metrics.panic.labels(service.name).set(plan.panic ? 1 : 0);
    const spilled = plan.candidates.reduce(
      (sum, c) => sum + c.reasons.reduce((s, r) => s + (r.code === "spill" ? r.share : 0), 0),
      0,
    );
    metrics.spillRatio.labels(service.name).set(spilled);
  }
}
