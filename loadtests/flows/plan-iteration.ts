/**
 * What one iteration of a workload does, as a pure function of its index: which client (the
 * geo mix), which flow, and the request or session it sends. k6 (by
 * `exec.scenario.iterationInTest`) and the Node runner (by its own counter) call the same
 * function, so both send the same mix in the same order.
 *
 * Clients follow a smooth weighted round-robin (nginx's algorithm), so any run of
 * sum(weights) iterations visits every region — a short smoke run covers them all. The flow
 * and the request within it are drawn from a hash of the index (deterministic, uniform enough).
 */
import { CLIENTS, type Client } from "../config/clients.ts";
import {
  API_HOST,
  API_MIX,
  BROWSE_PATHS,
  IDEMPOTENT_METHODS,
  WEBSOCKET_PATH,
} from "../config/request-mix.ts";
import type { FlowName, OpsEvent, Workload } from "../config/workloads.ts";

export interface RequestPlan {
  readonly flow: "browse" | "api";
  readonly client: Client;
  readonly method: string;
  readonly path: string;
  /** The path before `{n}` is filled in: the `name` tag, which keeps metric cardinality low. */
  readonly route: string;
  /** The Host header to send; undefined: the target URL's own. */
  readonly host: string | undefined;
  readonly bodyBytes: number;
  readonly idempotent: boolean;
}

export interface SessionPlan {
  readonly flow: "websocket";
  readonly client: Client;
  readonly path: string;
  readonly messages: number;
  readonly messageIntervalMs: number;
}

export type IterationPlan = RequestPlan | SessionPlan;

/** The order clients are visited in, one cycle (length = sum of weights). */
export function clientCycle(clients: readonly Client[]): readonly Client[] {
  const current = clients.map(() => 0);
  const total = clients.reduce((sum, c) => sum + c.weight, 0);
  const cycle: Client[] = [];
  for (let n = 0; n < total; n++) {
    let best = 0;
    for (let i = 0; i < clients.length; i++) {
      current[i] = (current[i] ?? 0) + (clients[i]?.weight ?? 0);
      if ((current[i] ?? 0) > (current[best] ?? 0)) best = i;
    }
    current[best] = (current[best] ?? 0) - total;
    const chosen = clients[best];
    if (chosen) cycle.push(chosen);
  }
  return cycle;
}

const CYCLE = clientCycle(CLIENTS);

/** A number in [0, 1) from an integer and a salt (mulberry32's mixing step). */
export function hashUnit(index: number, salt: number): number {
  let t = (index * 0x9e3779b1 + salt * 0x85ebca6b) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
}

/** The entry of `items` that `unit` (in [0, 1)) falls on, each taking its weight's share. */
export function pickWeighted<T extends { readonly weight: number }>(
  items: readonly T[],
  unit: number,
): T {
  const total = items.reduce((sum, item) => sum + item.weight, 0);
  let left = unit * total;
  for (const item of items) {
    left -= item.weight;
    if (left < 0 && item.weight > 0) return item;
  }
  const last = [...items].reverse().find((item) => item.weight > 0);
  if (!last) throw new Error("pickWeighted: every weight is 0");
  return last;
}

export function planIteration(index: number, workload: Workload): IterationPlan {
  const client = CYCLE[index % CYCLE.length] ?? (CLIENTS[0] as Client);
  const flows = (Object.keys(workload.flows) as FlowName[]).map((flow) => ({
    flow,
    weight: workload.flows[flow],
  }));
  const { flow } = pickWeighted(flows, hashUnit(index, 1));
  const n = Math.floor(hashUnit(index, 3) * 1_000);
  if (flow === "websocket") {
    const { sessionS, messageIntervalMs } = workload.websocket;
    const messages = Math.max(1, Math.floor((sessionS * 1_000) / messageIntervalMs));
    return { flow, client, path: WEBSOCKET_PATH, messages, messageIntervalMs };
  }
  if (flow === "browse") {
    const { path } = pickWeighted(BROWSE_PATHS, hashUnit(index, 2));
    const filled = path.replace("{n}", String(n));
    return {
      flow,
      client,
      method: "GET",
      path: filled,
      route: path,
      host: undefined,
      bodyBytes: 0,
      idempotent: true,
    };
  }
  const call = pickWeighted(API_MIX, hashUnit(index, 2));
  return {
    flow,
    client,
    method: call.method,
    path: call.path.replace("{n}", String(n)),
    route: call.path,
    host: API_HOST,
    bodyBytes: call.bodyBytes,
    idempotent: IDEMPOTENT_METHODS.includes(call.method),
  };
}

/**
 * The sites the workload's own ops events have marked compromised at `elapsedS` seconds into
 * the run (a compromise stays until a restore of that site). Answers served by one of these
 * are counted in `compromised_site_requests`; `graceS` leaves time for the admin call to land.
 */
export function compromisedSites(
  ops: readonly OpsEvent[],
  elapsedS: number,
  graceS = 0.5,
): string[] {
  const marked = new Set<string>();
  const ordered = [...ops].sort((a, b) => a.atS - b.atS);
  for (const event of ordered) {
    if (event.action === "compromise" && event.atS + graceS <= elapsedS) marked.add(event.site);
    if (event.action === "restore" && event.atS <= elapsedS) marked.delete(event.site);
  }
  return [...marked];
}
