/**
 * `POST /simulate` on the admin API: the what-if of `gateway simulate` against the live
 * snapshot's inputs (catalogue, health, ops overrides, measured RTTs), with an optional
 * proposed policy and scenario. Read-only in effect: nothing it is given reaches the live
 * state. Every part of the body is bounded (MAX_* below); the answer is a status and a JSON
 * body (RFC 9457 problem with an `errors` list when the body is refused).
 *
 * Body (JSON): {
 *   "mix": [row, …]           required; rows as `gateway simulate`'s NDJSON (ip, country, …, rps)
 *   "policy": "YAML text"      optional; else the live policy
 *   "state": "dar=down,…"      optional; site states over the live ones
 *   "steps": [{"name", "state"}]  optional; each adding to those before (over "state")
 *   "totalRps": N, "serviceTimeMs": N (default 100)
 * }
 * Rows of unknown location arrive at this gateway's own site (its ingress).
 */
import { stringify } from "yaml";
import { z } from "zod";
import { formatConfigError } from "../../routing-tables/config-error.ts";
import { validateConfig } from "../../routing-tables/load-config.ts";
import type { PolicyConfig } from "../../routing-tables/policy-schema.ts";
import type { MixRow } from "../../routing-tables/simulate.ts";
import { MAX_STATE_TEXT, parseSiteStates } from "../../routing-tables/site-scenario.ts";
import { GatewayError, problemDetails } from "../errors/error-catalogue.ts";
import type { RoutingInputs } from "../state/routing-state.ts";
import { type FieldValue, type RowContext, toMixRow } from "../what-if/mix-row.ts";
import { accumulateSteps, type ScenarioStep } from "../what-if/scenario.ts";
import { runWhatIf } from "../what-if/what-if-run.ts";

export const MAX_SIMULATE_BODY_BYTES = 1024 * 1024;
export const MAX_SIMULATE_ROWS = 10_000;
export const MAX_SIMULATE_STEPS = 8;
const MAX_ERRORS_LISTED = 20;

const bodySchema = z.strictObject({
  mix: z
    .array(z.record(z.string().max(16), z.unknown()))
    .min(1)
    .max(MAX_SIMULATE_ROWS),
  policy: z.string().max(MAX_SIMULATE_BODY_BYTES).optional(),
  state: z.string().max(MAX_STATE_TEXT).optional(),
  steps: z
    .array(
      z.strictObject({ name: z.string().min(1).max(80), state: z.string().max(MAX_STATE_TEXT) }),
    )
    .min(1)
    .max(MAX_SIMULATE_STEPS)
    .optional(),
  totalRps: z.number().min(0).max(1e12).optional(),
  serviceTimeMs: z.number().min(0.001).max(3_600_000).default(100),
});

export interface LiveWorld {
  readonly inputs: RoutingInputs;
  /** This gateway's own site. */
  readonly ingress: string;
  readonly snapshotVersion: number;
  readonly locate: RowContext["locate"];
}

export interface EndpointAnswer {
  readonly status: number;
  readonly body: unknown;
}

function refused(detail: string, errors: readonly string[] = []): EndpointAnswer {
  const error = new GatewayError("bad_request", detail, { cause: new Error(detail) });
  return {
    status: 400,
    body: { ...problemDetails(error), errors: errors.slice(0, MAX_ERRORS_LISTED) },
  };
}

function parseBody(text: string) {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return refused("the body is not JSON");
  }
  const body = bodySchema.safeParse(json);
  if (!body.success)
    return refused(
      "the body does not match POST /simulate's shape",
      body.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`),
    );
  return body.data;
}

function proposedPolicy(
  text: string | undefined,
  live: RoutingInputs,
): PolicyConfig | EndpointAnswer {
  if (text === undefined) return live.policy;
  const result = validateConfig([
    { file: "(live catalogue)", text: stringify(live.catalogue) },
    { file: "policy", text },
  ]);
  if (!result.ok)
    return refused("the proposed policy is invalid", result.errors.map(formatConfigError));
  return result.policy ?? refused("the proposed policy has no services");
}

function stepsOf(
  state: string | undefined,
  steps: readonly { name: string; state: string }[] | undefined,
  siteIds: ReadonlySet<string>,
): ScenarioStep[] | EndpointAnswer {
  const base = parseSiteStates(state ?? "", siteIds);
  if (!base.ok) return refused("state: not a list of site states", base.errors);
  if (!steps) return [{ name: state ? state : "as live", states: base.states }];
  const read = accumulateSteps(base.states, steps, siteIds);
  if (read.ok) return read.steps;
  return refused(
    "steps: not lists of site states",
    read.failures.map((f) => `steps.${f.index}.state: ${f.message}`),
  );
}

function rowsOf(
  mix: readonly Record<string, FieldValue>[],
  context: RowContext,
): MixRow[] | EndpointAnswer {
  const rows: MixRow[] = [];
  const errors: string[] = [];
  for (const [i, fields] of mix.entries()) {
    const row = toMixRow((f) => fields[f], context);
    if (typeof row === "string") errors.push(`mix.${i}: ${row}`);
    else rows.push(row);
  }
  return errors.length > 0 ? refused(`${errors.length} mix row(s) refused`, errors) : rows;
}

const isAnswer = (value: unknown): value is EndpointAnswer =>
  typeof value === "object" && value !== null && "status" in value && "body" in value;

export async function simulateEndpoint(bodyText: string, live: LiveWorld): Promise<EndpointAnswer> {
  const body = parseBody(bodyText);
  if (isAnswer(body)) return body;
  const { inputs } = live;
  const siteIds = new Set(inputs.catalogue.sites.map((s) => s.id));
  const policy = proposedPolicy(body.policy, inputs);
  if (isAnswer(policy)) return policy;
  const steps = stepsOf(body.state, body.steps, siteIds);
  if (isAnswer(steps)) return steps;
  const context = { locate: live.locate, defaultHost: policy.services[0]?.hosts[0] ?? "", siteIds };
  const rows = rowsOf(body.mix, context);
  if (isAnswer(rows)) return rows;
  const { catalogue, ...rest } = inputs;
  const world = {
    catalogue,
    policies: [policy],
    steps,
    live: rest,
    options: { serviceTimeMs: body.serviceTimeMs, defaultIngress: live.ingress },
  };
  const { results, mix } = await runWhatIf(
    world,
    async (sink) => {
      for (const row of rows) sink(row);
      const summedRps = rows.reduce((sum, r) => sum + r.rps, 0);
      return {
        file: "(request body)",
        format: "ndjson",
        rows: rows.length,
        badRows: 0,
        errors: [],
        summedRps,
      };
    },
    body.totalRps,
  );
  const simulations = results[0] ?? [];
  return {
    status: 200,
    body: {
      snapshotVersion: live.snapshotVersion,
      policy: body.policy === undefined ? "live" : "proposed",
      rows: mix.rows,
      residencyViolations: simulations.reduce((n, s) => n + s.residencyViolations.length, 0),
      steps: steps.map((step, i) => ({ step: step.name, states: step.states, ...simulations[i] })),
    },
  };
}
