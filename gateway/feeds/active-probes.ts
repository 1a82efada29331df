/**
 * Active probes for one gateway (the embedded default, where no Consul says what is healthy):
 * every backend of every site but the compromised ones is probed (`probes.path`, every
 * `probes.intervalMs` with jitter); each verdict goes to site health as a check (rise/fall),
 * and each success's latency to the site's EWMA, which becomes this ingress's measured RTT
 * in the routing state (until a site's first success, the great-circle estimate stands).
 * The RTT table is republished at most once a second, and only when it moved.
 * Each site's published RTT is its own dead band: it changes only when that site's
 * measurement moved by more than 1 ms and 10 %. Two sites about as near (dar and znz, 70 km
 * apart) would otherwise swap ranks on probe noise whenever any other site's figure moved,
 * and their clients would move with them.
 */
import { createLatencyTracker } from "../../health/probes/latency-tracker.ts";
import type { ProbeTarget } from "../../health/probes/probe-result.ts";
import type { ProbeSettings } from "../../health/probes/probe-settings.ts";
import { createProber } from "../../health/probes/prober.ts";
import type { Snapshot } from "../../routing-tables/snapshot.ts";
import type { RoutingState } from "../state/routing-state.ts";
import type { PassiveHealth } from "./passive-health.ts";

/** An RTT that moved by less than this (ms, or this fraction) is not republished. */
const RTT_CHANGE_MS = 1;
const RTT_CHANGE_RATIO = 0.1;

/** A site's upstream TLS as the probes need it (the control plane's material), if any. */
export type ProbeTlsOf = (siteId: string, backend: string) => ProbeTarget["tls"];

/**
 * Every backend of every site but the compromised ones; a site with `upstreamTls` is probed
 * over TLS with its material, and not at all until its material is there (never in the clear).
 */
const targetsOf = (snapshot: Snapshot, tlsOf: ProbeTlsOf): ProbeTarget[] =>
  snapshot.sites
    .filter((site) => site.state !== "compromised")
    .flatMap((site) =>
      (site.config.backends ?? []).flatMap((backend) => {
        if (!site.config.upstreamTls) return [{ siteId: site.id, backend }];
        const tls = tlsOf(site.id, backend);
        return tls ? [{ siteId: site.id, backend, tls }] : [];
      }),
    );

export function activeProbes(
  ingress: string,
  via: string,
  state: RoutingState,
  health: PassiveHealth,
  settings: Partial<ProbeSettings>,
  tlsOf: ProbeTlsOf = () => undefined,
) {
  const tracker = createLatencyTracker();
  const prober = createProber({
    targets: targetsOf(state.snapshot, tlsOf),
    settings,
    headers: { via },
    onResult: (result) => {
      health.check(result.siteId, result.backend, result.ok);
      tracker.record(result);
    },
  });
  let published: Readonly<Record<string, number>> = {};
  const publish = () => {
    const settled = settleRtt(published, tracker.measuredRttMs());
    if (settled === undefined) return;
    published = settled;
    state.setMeasuredRtt(ingress, settled);
  };
  const timer = setInterval(publish, 1_000);
  timer.unref();
  const unsubscribe = state.subscribe((snapshot) => prober.setTargets(targetsOf(snapshot, tlsOf)));
  prober.start();
  return {
    tracker,
    stop: async () => {
      clearInterval(timer);
      unsubscribe();
      await prober.stop();
    },
  };
}

/**
 * The RTT table to publish: each site keeps its published figure unless its measurement moved
 * by more than RTT_CHANGE_MS and RTT_CHANGE_RATIO of it (or it is new, or gone). Undefined
 * when nothing is to be published.
 */
export function settleRtt(
  published: Readonly<Record<string, number>>,
  measured: Readonly<Record<string, number>>,
): Readonly<Record<string, number>> | undefined {
  const next: Record<string, number> = {};
  let changed = Object.keys(published).some((site) => measured[site] === undefined);
  for (const [site, now] of Object.entries(measured)) {
    const before = published[site];
    if (
      before !== undefined &&
      Math.abs(now - before) <= Math.max(RTT_CHANGE_MS, before * RTT_CHANGE_RATIO)
    ) {
      next[site] = before;
    } else {
      next[site] = now;
      changed = true;
    }
  }
  return changed ? next : undefined;
}
