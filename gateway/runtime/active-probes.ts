/**
 * Active probes for one gateway (the embedded default, where no Consul says what is healthy):
 * every backend of every site but the compromised ones is probed (`probes.path`, every
 * `probes.intervalMs` with jitter); each verdict goes to site health as a check (rise/fall),
 * and each success's latency to the site's EWMA, which becomes this ingress's measured RTT
 * in the routing state (until a site's first success, the great-circle estimate stands).
 * The RTT table is republished at most once a second, and only when it moved.
 */
import { createLatencyTracker } from "../../health/probes/latency-tracker.ts";
import type { ProbeSettings } from "../../health/probes/probe-settings.ts";
import { createProber } from "../../health/probes/prober.ts";
import type { Snapshot } from "../../routing-tables/snapshot.ts";
import type { PassiveHealth } from "./passive-health.ts";
import type { RoutingState } from "./routing-state.ts";

/** An RTT that moved by less than this (ms, or this fraction) is not republished. */
const RTT_CHANGE_MS = 1;
const RTT_CHANGE_RATIO = 0.1;

const targetsOf = (snapshot: Snapshot) =>
  snapshot.sites
    .filter((site) => site.state !== "compromised")
    .flatMap((site) =>
      (site.config.backends ?? []).map((backend) => ({ siteId: site.id, backend })),
    );

export function activeProbes(
  ingress: string,
  via: string,
  state: RoutingState,
  health: PassiveHealth,
  settings: Partial<ProbeSettings>,
) {
  const tracker = createLatencyTracker(
    settings.ewmaAlpha === undefined ? {} : { ewmaAlpha: settings.ewmaAlpha },
  );
  const prober = createProber({
    targets: targetsOf(state.snapshot),
    settings,
    headers: { via },
    onResult: (result) => {
      health.check(result.siteId, result.backend, result.ok);
      tracker.record(result);
    },
  });
  let published: Readonly<Record<string, number>> = {};
  const publish = () => {
    const measured = tracker.measuredRttMs();
    if (!moved(published, measured)) return;
    published = measured;
    state.update({ measuredRttMs: { ...state.inputs.measuredRttMs, [ingress]: measured } });
  };
  const timer = setInterval(publish, 1_000);
  timer.unref();
  const unsubscribe = state.subscribe((snapshot) => prober.setTargets(targetsOf(snapshot)));
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

function moved(
  before: Readonly<Record<string, number>>,
  after: Readonly<Record<string, number>>,
): boolean {
  const sites = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const site of sites) {
    const a = before[site];
    const b = after[site];
    if (a === undefined || b === undefined) return true;
    if (Math.abs(a - b) > Math.max(RTT_CHANGE_MS, a * RTT_CHANGE_RATIO)) return true;
  }
  return false;
}
