/**
 * The scenario of a what-if run: `--state` (one step), or a YAML file of steps, each adding to
 * the states before it (`healthy` restores a site), on top of `--state` when both are given:
 *
 *   steps:
 *     - name: dar fails
 *       state: dar=down
 *     - name: then cdg degrades and fra drains
 *       state: { cdg: "degraded:0.4", fra: draining }
 *
 * Every error is listed with file, line and column. Bounded: MAX_SCENARIO_BYTES, MAX_STEPS.
 */
import { readFileSync, statSync } from "node:fs";
import { z } from "zod";
import { type ConfigError, wholeFileError } from "../../routing-tables/config-error.ts";
import { errorList } from "../../routing-tables/error-list.ts";
import {
  MAX_STATE_TEXT,
  parseSiteStates,
  type SiteStates,
} from "../../routing-tables/site-scenario.ts";
import { locate, parseYamlSource, schemaErrors } from "../../routing-tables/yaml-source.ts";

export interface ScenarioStep {
  readonly name: string;
  /** Every state in force at this step (the steps before it included). */
  readonly states: SiteStates;
}

export const MAX_STEPS = 32;
export const MAX_SCENARIO_BYTES = 1024 * 1024;

const scenarioSchema = z.strictObject({
  steps: z
    .array(
      z.strictObject({
        name: z.string().min(1).max(80),
        state: z.union([
          z.string().max(MAX_STATE_TEXT),
          z.record(z.string().max(32), z.string().max(40)),
        ]),
      }),
    )
    .min(1)
    .max(MAX_STEPS),
});

export type ScenarioResult =
  | { readonly ok: true; readonly steps: readonly ScenarioStep[] }
  | { readonly ok: false; readonly errors: readonly ConfigError[] };

const stateText = (state: string | Record<string, string>) =>
  typeof state === "string"
    ? state
    : Object.entries(state)
        .map(([site, word]) => `${site}=${word}`)
        .join(",");

/** One step from `--state` (its name is the text, or "as configured" when empty). */
export function stateStep(text: string, siteIds: ReadonlySet<string>): ScenarioResult {
  const parsed = parseSiteStates(text, siteIds);
  if (!parsed.ok)
    return { ok: false, errors: parsed.errors.map((e) => wholeFileError("--state", e)) };
  return {
    ok: true,
    steps: [{ name: text.trim() === "" ? "as configured" : text, states: parsed.states }],
  };
}

/** The file's steps, each with the states of those before it and of `base` under it. */
export function readScenario(
  file: string,
  siteIds: ReadonlySet<string>,
  base: SiteStates = {},
): ScenarioResult {
  let text: string;
  try {
    const { size } = statSync(file);
    if (size > MAX_SCENARIO_BYTES)
      return {
        ok: false,
        errors: [wholeFileError(file, `larger than ${MAX_SCENARIO_BYTES} bytes`)],
      };
    text = readFileSync(file, "utf8");
  } catch (error) {
    return {
      ok: false,
      errors: [wholeFileError(file, `cannot read: ${(error as Error).message}`)],
    };
  }
  const errors = errorList();
  const source = parseYamlSource(file, text, errors, MAX_SCENARIO_BYTES);
  if (!source || errors.count() > 0) return { ok: false, errors: errors.list() };
  const parsed = scenarioSchema.safeParse(source.data);
  if (!parsed.success) {
    schemaErrors(source, parsed.error, errors);
    return { ok: false, errors: errors.list() };
  }
  const named = parsed.data.steps.map((step) => ({
    name: step.name,
    state: stateText(step.state),
  }));
  const read = accumulateSteps(base, named, siteIds);
  if (read.ok) return read;
  return {
    ok: false,
    errors: read.failures.map((f) =>
      locate(source, { path: ["steps", f.index, "state"], message: f.message }),
    ),
  };
}

/**
 * Steps of `site=state` lists, each with the states of those before it and of `base` under
 * it; or every step's errors, by step index.
 */
export function accumulateSteps(
  base: SiteStates,
  steps: readonly { readonly name: string; readonly state: string }[],
  siteIds: ReadonlySet<string>,
):
  | { readonly ok: true; readonly steps: ScenarioStep[] }
  | {
      readonly ok: false;
      readonly failures: { readonly index: number; readonly message: string }[];
    } {
  const out: ScenarioStep[] = [];
  const failures: { index: number; message: string }[] = [];
  let states = base;
  for (const [index, step] of steps.entries()) {
    const read = parseSiteStates(step.state, siteIds);
    if (!read.ok) failures.push(...read.errors.map((message) => ({ index, message })));
    else {
      states = { ...states, ...read.states };
      out.push({ name: step.name, states });
    }
  }
  return failures.length > 0 ? { ok: false, failures } : { ok: true, steps: out };
}
