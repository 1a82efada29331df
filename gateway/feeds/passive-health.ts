/**
 * Passive health for one gateway: every try's outcome and every breaker change its data planes
 * report goes to the health monitor, requests in flight count as saturation, and every `intervalMs` the sites
 * whose state changed are merged into the routing state (a new snapshot), so a site can leave
 * rotation from real traffic before any probe notices. Active probes and Consul checks feed
 * the same monitor (the health issue).
 */
import { HealthMonitor, type HealthObservation } from "../../health/health-monitor.ts";
import type { Snapshot } from "../../routing-tables/snapshot.ts";
import { type Observation, readTry } from "../forward/observation.ts";
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
  /** Requests in flight per site now, over every data plane of this gateway. */
  load: () => ReadonlyMap<string, number>,
  intervalMs: number,
  now: () => number,
  maxEjectionPercent?: number,
): PassiveHealth {
  const monitor = new HealthMonitor(sitesOf(state.snapshot), state.inputs.policy.defaults.spill, {
    now,
    ...(maxEjectionPercent !== undefined && { maxEjectionPercent }),
  });
  const unsubscribe = state.subscribe((snapshot) =>
    monitor.sync(sitesOf(snapshot), state.inputs.policy.defaults.spill),
  );
  const tick = () => {
    const inFlight = load();
    for (const site of state.snapshot.sites)
      monitor.observe({ kind: "load", site: site.id, inFlight: inFlight.get(site.id) ?? 0 });
    const changed = monitor.evaluate();
    if (changed.size > 0) state.setHealth(Object.fromEntries(changed));
    return changed.size;
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    observe: (observation) => {
      if (observation.kind === "tries") {
        monitor.outcomes(observation.site, observation.servedMs, observation.failed);
        return;
      }
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

/** A breaker change or one try in the health monitor's terms ("tries" are observed whole). */
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
  if (observation.kind === "tries") return undefined;
  const reading = readTry(observation);
  return reading && { kind: "outcome", site: observation.site, ...reading };
}
