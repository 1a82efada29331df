/**
 * Passive health for one gateway: every try's outcome and every breaker change goes to the
 * health monitor, requests in flight count as saturation, and every `intervalMs` the sites
 * whose state changed are merged into the routing state (a new snapshot), so a site can leave
 * rotation from real traffic before any probe notices. Active probes and Consul checks feed
 * the same monitor (the health issue).
 */
import { HealthMonitor, type HealthObservation } from "../../health/health-monitor.ts";
import type { Snapshot } from "../../routing-tables/snapshot.ts";
import type { Observation } from "../forward/observation.ts";
import type { Upstreams } from "../forward/upstreams.ts";
import type { RoutingState } from "../state/routing-state.ts";

export interface PassiveHealth {
  observe(observation: Observation): void;
  /** An active probe's or Consul's verdict on one backend. */
  check(site: string, backend: string, ok: boolean): void;
  /** Evaluates now (the timer does it every intervalMs); returns how many sites changed. */
  tick(): number;
  stop(): void;
}

const sitesOf = (snapshot: Snapshot) =>
  snapshot.sites.map((s) => ({
    id: s.id,
    backends: s.config.backends ?? [],
    capacity: s.config.capacity,
  }));

export function passiveHealth(
  state: RoutingState,
  upstreams: Upstreams,
  intervalMs: number,
  now: () => number,
): PassiveHealth {
  const monitor = new HealthMonitor(sitesOf(state.snapshot), state.inputs.policy.defaults.spill, {
    now,
  });
  const unsubscribe = state.subscribe((snapshot) =>
    monitor.sync(sitesOf(snapshot), state.inputs.policy.defaults.spill),
  );
  const tick = () => {
    for (const site of upstreams.all()) {
      let inFlight = 0;
      for (const backend of site.backends) inFlight += backend.outstanding;
      monitor.observe({ kind: "load", site: site.siteId, inFlight });
    }
    const changed = monitor.evaluate();
    if (changed.size > 0)
      state.update({ health: { ...state.inputs.health, ...Object.fromEntries(changed) } });
    return changed.size;
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    observe: (observation) => {
      const translated = translate(observation);
      if (!translated) return;
      monitor.observe(translated);
      // A breaker's verdict is acted on at once; request outcomes wait for the next tick.
      if (translated.kind === "breaker") tick();
    },
    check: (site, backend, ok) => {
      monitor.observe({ kind: "check", site, backend, ok });
      tick(); // probes and Consul checks are few: each may change a site at once
    },
    tick,
    stop: () => {
      clearInterval(timer);
      unsubscribe();
    },
  };
}

/** The data plane's observations in the health monitor's terms. */
export function translate(observation: Observation): HealthObservation | undefined {
  if (observation.kind === "breaker") {
    // Only an open breaker takes capacity away. A half-open one is waiting for a trial request,
    // and a site that gets no traffic (withdrawn or de-preferred from anycast because of this
    // very breaker) would never send one: counting it broken would keep the site out for good.
    const open = observation.state === "open";
    if (observation.scope === "site") return { kind: "breaker", site: observation.id, open };
    const slash = observation.id.indexOf("/");
    return {
      kind: "breaker",
      site: observation.id.slice(0, slash),
      backend: observation.id.slice(slash + 1),
      open,
    };
  }
  const { outcome } = observation;
  // A try the breaker refused says nothing new about the site: its failures are counted already.
  // Nor does one that found every connection busy: in-flight load is the saturation signal.
  if (outcome?.kind === "circuit-open" || outcome?.kind === "saturated") return undefined;
  // A served try's time to its response head feeds the p99-against-SLO signal; a failure is
  // counted as an error, and its time (a refused connect is fast) would only blur the p99.
  if (outcome === undefined)
    return { kind: "outcome", site: observation.site, ok: true, latencyMs: observation.elapsedMs };
  return { kind: "outcome", site: observation.site, ok: false };
}
