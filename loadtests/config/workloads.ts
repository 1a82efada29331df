/**
 * The workloads and their thresholds: the one place that says how much load, of which kind,
 * for how long, and what counts as a pass. Plain data (numbers and strings), imported by the
 * k6 script (loadtests/k6/main.ts) and the Node runner (loadtests/runner/) alike.
 *
 * Every workload is an open model (k6's arrival-rate executors): iterations start on a
 * schedule whatever the target does, as real users arrive whether or not the site is slow. A
 * closed model (a fixed set of looping users) slows down with the target and under-reports
 * its latency (coordinated omission).
 */
import { CLIENTS, SITES } from "./clients.ts";

export type FlowName = "browse" | "api" | "websocket";
/** Ops actions of the gateway admin API, and the demo world's kill/revive of a site's backends. */
export type OpsAction = "drain" | "compromise" | "restore" | "kill" | "revive";

/** Over `durationS` seconds the arrival rate moves linearly to `targetPerS` iterations/s. */
export interface Stage {
  readonly durationS: number;
  readonly targetPerS: number;
}

/** An ops action sent to the admin API `atS` seconds after the workload starts. */
export interface OpsEvent {
  readonly atS: number;
  readonly action: OpsAction;
  readonly site: string;
}

export interface Workload {
  readonly name: string;
  /** The question a run of this workload answers. */
  readonly question: string;
  /** k6's executor: constant-arrival-rate holds `startPerS`; ramping follows `stages`. */
  readonly executor: "constant-arrival-rate" | "ramping-arrival-rate";
  /** Iterations/s at the start (the whole run for constant-arrival-rate). */
  readonly startPerS: number;
  /** Constant: one stage whose duration is the run's. */
  readonly stages: readonly Stage[];
  readonly preAllocatedVUs: number;
  /** Iterations in flight at most; beyond it an iteration is dropped and counted. */
  readonly maxVUs: number;
  /** Weights of the flows in the mix. */
  readonly flows: Readonly<Record<FlowName, number>>;
  /** A websocket iteration: how long the connection stays open, how often it sends. */
  readonly websocket: { readonly sessionS: number; readonly messageIntervalMs: number };
  readonly ops: readonly OpsEvent[];
}

const MIX = { browse: 6, api: 3, websocket: 1 } as const;
const WEBSOCKET = { sessionS: 10, messageIntervalMs: 1_000 } as const;

export const WORKLOADS = {
  smoke: {
    name: "smoke",
    question: "Does every flow work from every region, and do the tags and summary make sense?",
    executor: "constant-arrival-rate",
    startPerS: 10,
    stages: [{ durationS: 5, targetPerS: 10 }],
    preAllocatedVUs: 5,
    maxVUs: 30,
    flows: MIX,
    websocket: { sessionS: 1, messageIntervalMs: 200 },
    ops: [],
  },
  average: {
    name: "average",
    question: "Does a typical day's load meet the latency and error objectives in every region?",
    executor: "ramping-arrival-rate",
    startPerS: 0,
    stages: [
      { durationS: 30, targetPerS: 100 },
      { durationS: 240, targetPerS: 100 },
      { durationS: 30, targetPerS: 0 },
    ],
    preAllocatedVUs: 50,
    maxVUs: 300,
    flows: MIX,
    websocket: WEBSOCKET,
    ops: [],
  },
  stress: {
    name: "stress",
    question:
      "Where do latency or errors start to give, which site gives first, do hubs absorb it?",
    executor: "ramping-arrival-rate",
    startPerS: 50,
    stages: [
      { durationS: 60, targetPerS: 150 },
      { durationS: 120, targetPerS: 150 },
      { durationS: 60, targetPerS: 300 },
      { durationS: 120, targetPerS: 300 },
      { durationS: 60, targetPerS: 450 },
      { durationS: 120, targetPerS: 450 },
      { durationS: 60, targetPerS: 0 },
    ],
    preAllocatedVUs: 100,
    maxVUs: 1_000,
    flows: MIX,
    websocket: WEBSOCKET,
    ops: [],
  },
  spike: {
    name: "spike",
    question:
      "Does a sudden surge spill to the hubs without errors, and does routing recover after?",
    executor: "ramping-arrival-rate",
    startPerS: 20,
    stages: [
      { durationS: 30, targetPerS: 20 },
      { durationS: 10, targetPerS: 600 },
      { durationS: 60, targetPerS: 600 },
      { durationS: 10, targetPerS: 20 },
      { durationS: 60, targetPerS: 20 },
    ],
    preAllocatedVUs: 100,
    maxVUs: 1_500,
    flows: MIX,
    websocket: WEBSOCKET,
    ops: [],
  },
  soak: {
    name: "soak",
    question: "Does anything drift over hours: latency creep, memory, connections, breakers?",
    executor: "constant-arrival-rate",
    startPerS: 80,
    stages: [{ durationS: 7_200, targetPerS: 80 }],
    preAllocatedVUs: 50,
    maxVUs: 300,
    flows: MIX,
    websocket: WEBSOCKET,
    ops: [],
  },
  failover: {
    name: "failover",
    question: "Do drain, compromise and restore move traffic without one failed request?",
    executor: "constant-arrival-rate",
    startPerS: 100,
    stages: [{ durationS: 100, targetPerS: 100 }],
    preAllocatedVUs: 50,
    maxVUs: 300,
    flows: { browse: 6, api: 4, websocket: 0 },
    websocket: WEBSOCKET,
    ops: [
      { atS: 20, action: "drain", site: "lhr" },
      { atS: 35, action: "compromise", site: "znz" },
      { atS: 50, action: "drain", site: "gru" },
      { atS: 70, action: "restore", site: "lhr" },
      { atS: 70, action: "restore", site: "znz" },
      { atS: 70, action: "restore", site: "gru" },
    ],
  },
} as const satisfies Record<string, Workload>;

export type WorkloadName = keyof typeof WORKLOADS;

export const WORKLOAD_NAMES = Object.keys(WORKLOADS) as readonly WorkloadName[];

/** The reference policy's latency objective (`spill.latency.sloP99Ms`), ms. */
export const SLO_P99_MS = 500;

/**
 * Thresholds, in k6's syntax (`metric{tag:value}` → expressions). Custom metrics: `site_req_*`
 * are tagged by the serving site (the `x-gateway-site` header, known only after the answer),
 * `compromised_site_requests` counts answers served by a site marked compromised by the
 * workload's own ops events (started after the mark).
 */
export const THRESHOLDS: Readonly<Record<string, readonly string[]>> = {
  http_req_failed: ["rate<0.01"],
  "http_req_failed{idempotent:true}": ["rate<0.001"],
  checks: ["rate>0.99"],
  http_req_duration: [`p(99)<${SLO_P99_MS}`],
  compromised_site_requests: ["count==0"],
  ...Object.fromEntries(
    CLIENTS.map((c) => [`http_req_duration{region:${c.region}}`, [`p(99)<${SLO_P99_MS}`]]),
  ),
  ...Object.fromEntries(SITES.map((s) => [`site_req_failed{site:${s}}`, ["rate<0.01"]])),
  ...Object.fromEntries(
    SITES.map((s) => [`site_req_duration{site:${s}}`, [`p(99)<${SLO_P99_MS}`]]),
  ),
};

/** The admin API path of an ops action (kill and revive exist in the demo world only). */
export function opsPath(event: Pick<OpsEvent, "action" | "site">): string {
  const site = encodeURIComponent(event.site);
  if (event.action === "kill" || event.action === "revive")
    return `/demo/sites/${site}/${event.action}`;
  return `/sites/${site}/${event.action}`;
}

/** The run's length: the sum of its stages, s. */
export function workloadDurationS(workload: Workload): number {
  return workload.stages.reduce((sum, stage) => sum + stage.durationS, 0);
}
