/**
 * The failover drill (`npm run drill`, demo world only): under a steady arrival rate, three
 * edge sites' backends and one hub's are killed one after another, one site is marked
 * compromised, then everything is restored. Plain data, in the shape of a workload.
 */
import type { Workload } from "./workloads.ts";

/** The load ramps up over this long, s: cold connections and JIT would read as a slow site. */
export const WARM_UP_S = 5;
/** Seconds between one event and the next while sites are lost. */
const STEP_S = 6;
/** The first event, s: after the warm-up and 10 s of steady load (the baseline). */
const FIRST_S = WARM_UP_S + 10;
const RESTORE_S = FIRST_S + 5 * STEP_S;
const RATE_PER_S = 150;

/**
 * How long a gateway takes to give a revived site its full share back, s: its backend breakers
 * stay open for `breakers.backend.resetTimeoutMs` (5 s) before a trial request, probes need 2
 * passing checks at `probes.intervalMs` (2 s), then the site's share ramps back linearly over
 * `spill.rampUpMs` (30 s): about 39 s with the defaults, rounded up.
 */
export const HOLD_DOWN_S = 40;

export const DRILL: Workload = {
  name: "drill",
  question: "Do lost sites cost a failed idempotent request, how fast does traffic move, and back?",
  executor: "ramping-arrival-rate",
  startPerS: 0,
  stages: [
    { durationS: WARM_UP_S, targetPerS: RATE_PER_S },
    { durationS: RESTORE_S - WARM_UP_S + HOLD_DOWN_S + 5, targetPerS: RATE_PER_S },
  ],
  preAllocatedVUs: 50,
  maxVUs: 400,
  flows: { browse: 6, api: 4, websocket: 0 },
  websocket: { sessionS: 1, messageIntervalMs: 1_000 },
  ops: [
    { atS: FIRST_S, action: "kill", site: "znz" },
    { atS: FIRST_S + STEP_S, action: "kill", site: "gru" },
    { atS: FIRST_S + 2 * STEP_S, action: "kill", site: "lhr" },
    { atS: FIRST_S + 3 * STEP_S, action: "kill", site: "dxb" },
    { atS: FIRST_S + 4 * STEP_S, action: "compromise", site: "nrt" },
    { atS: RESTORE_S, action: "revive", site: "znz" },
    { atS: RESTORE_S, action: "revive", site: "gru" },
    { atS: RESTORE_S, action: "revive", site: "lhr" },
    { atS: RESTORE_S, action: "revive", site: "dxb" },
    { atS: RESTORE_S, action: "restore", site: "nrt" },
  ],
};
