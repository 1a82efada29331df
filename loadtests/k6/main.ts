/**
 * The k6 suite: every workload of config/workloads.ts is a named scenario; pick one.
 *
 *   k6 run --env BASE_URL=http://127.0.0.1:8080 loadtests/k6/main.ts --scenario smoke
 *
 * (or `--env SCENARIO=smoke` with a k6 older than v2.3.0, which brought `--scenario`; k6 v1.6.0
 * at least, for the stable `k6/websockets`). Env: BASE_URL (the anycast address or load
 * balancer in front of the gateways), ADMIN_URL and ADMIN_TOKEN (failover only), RATE_SCALE
 * (multiplies every arrival rate; default 1), SITE_HEADER=off (gateways without
 * `siteHeaders`), SUMMARY_DIR (default loadtests/out/k6, which the repository carries: k6
 * creates no folder, so another one must exist before the run).
 * k6 runs this TypeScript itself; `npm test` type-checks it against @types/k6.
 */
import { fail } from "k6";
import exec from "k6/execution";
import http from "k6/http";
import type { Options, Scenario } from "k6/options";
import { CLIENTS } from "../config/clients.ts";
import { THRESHOLDS, WORKLOADS, type Workload, type WorkloadName } from "../config/workloads.ts";
import { compromisedSites, planIteration } from "../flows/plan-iteration.ts";
import { formatSummary, type SummaryData, TREND_STATS } from "../summary/format-summary.ts";
import { K6_SUMMARY_DIR, summaryFiles } from "../summary/summary-files.ts";
import { sendRequest, websocket } from "./flows.ts";
import { runOps } from "./ops.ts";

const BASE_URL = (__ENV.BASE_URL ?? "http://127.0.0.1:8080").replace(/\/$/, "");
const ADMIN_URL = (__ENV.ADMIN_URL ?? "http://127.0.0.1:9090").replace(/\/$/, "");
const RATE_SCALE = Number(__ENV.RATE_SCALE ?? "1");
const SUMMARY_DIR = __ENV.SUMMARY_DIR ?? K6_SUMMARY_DIR;
/** How long setup()'s readiness request may take, s. */
const READY_TIMEOUT_S = 5;

function scenarioOf(workload: Workload): Scenario {
  const rate = (perS: number) => Math.max(0, Math.round(perS * RATE_SCALE));
  const common = {
    exec: "iteration",
    preAllocatedVUs: workload.preAllocatedVUs,
    maxVUs: workload.maxVUs,
    timeUnit: "1s",
    gracefulStop: "30s",
  };
  if (workload.executor === "constant-arrival-rate")
    return {
      ...common,
      executor: "constant-arrival-rate",
      rate: rate(workload.startPerS),
      duration: `${workload.stages[0]?.durationS ?? 0}s`,
    };
  return {
    ...common,
    executor: "ramping-arrival-rate",
    startRate: rate(workload.startPerS),
    stages: workload.stages.map((s) => ({
      duration: `${s.durationS}s`,
      target: rate(s.targetPerS),
    })),
  };
}

/** k6 releases without `--scenario` pick one with `--env SCENARIO=NAME` instead. */
const ONLY = __ENV.SCENARIO;

export const options: Options = {
  scenarios: Object.fromEntries(
    Object.values(WORKLOADS)
      .filter((w) => ONLY === undefined || w.name === ONLY)
      .map((w) => [w.name, scenarioOf(w)]),
  ),
  thresholds: Object.fromEntries(Object.entries(THRESHOLDS).map(([k, v]) => [k, [...v]])),
  summaryTrendStats: TREND_STATS,
  discardResponseBodies: true,
};

interface SetupData {
  readonly workload: string;
  readonly question: string;
}

/** Fails fast: exactly one workload chosen, the target (and for failover the admin) ready. */
export function setup(): SetupData {
  const chosen = Object.keys(exec.test.options.scenarios ?? {});
  if (chosen.length !== 1)
    fail(`pick one workload with --scenario NAME (one of ${Object.keys(WORKLOADS).join(", ")})`);
  const workload = WORKLOADS[chosen[0] as WorkloadName];
  requireReady(`${BASE_URL}/`, { "X-Forwarded-For": CLIENTS[0]?.address ?? "" });
  if (workload.ops.length > 0) requireReady(`${ADMIN_URL}/readyz`, {});
  return { workload: workload.name, question: workload.question };
}

/**
 * One try, no waiting: a target that is not ready aborts the run before any load. (A retry loop
 * here would also add its failed tries to `http_req_failed`.)
 */
function requireReady(url: string, headers: Record<string, string>): void {
  const res = http.get(url, { headers, timeout: `${READY_TIMEOUT_S}s`, tags: { flow: "setup" } });
  if (res.status < 200 || res.status >= 300)
    fail(`target not ready: GET ${url} → ${res.error || `HTTP ${res.status}`}`);
}

/** One iteration of the running workload; its first iteration conducts the ops events. */
export function iteration(): void {
  const workload: Workload = WORKLOADS[exec.scenario.name as WorkloadName];
  const index = exec.scenario.iterationInTest;
  if (workload.ops.length > 0 && index === 0) {
    runOps(ADMIN_URL, workload.ops, exec.scenario.startTime, __ENV.ADMIN_TOKEN);
    return;
  }
  const plan = planIteration(index, workload);
  const elapsedS = (Date.now() - exec.scenario.startTime) / 1_000;
  const compromised = compromisedSites(workload.ops, elapsedS);
  if (plan.flow === "websocket") websocket(BASE_URL, plan);
  else sendRequest(BASE_URL, plan, compromised);
}

export function handleSummary(data: SummaryData): Record<string, string> {
  const name = data.setup_data?.workload ?? "run";
  const text = formatSummary(data);
  const files = summaryFiles(SUMMARY_DIR, name);
  return { stdout: text, [files.json]: JSON.stringify(data, null, 2), [files.text]: text };
}
