/**
 * `gateway simulate`: the load a traffic mix would put on every site under a policy and a
 * scenario of site states, by the data plane's own decision (routing-tables/simulate.ts), as
 * a table, --json, and --svg. Exit 0; 1 for invalid input; 2 for a wrong command line; 4 when
 * any step shows a residency violation (a share sent outside a rule's jurisdictions).
 */
import { writeFileSync } from "node:fs";
import { formatConfigError } from "../../routing-tables/config-error.ts";
import type { Simulation } from "../../routing-tables/simulation.ts";
import { loadWorld, REFERENCE_POLICY } from "../config/config-files.ts";
import type { MixReport } from "../what-if/mix-source.ts";
import type { ScenarioStep } from "../what-if/scenario.ts";
import { simulationText } from "../what-if/simulation-text.ts";
import { renderSvg, whatIfSpec } from "../what-if/what-if-svg.ts";
import {
  type CommandIo,
  EXIT_INVALID,
  EXIT_OK,
  EXIT_USAGE,
  EXIT_VIOLATION,
  parseCommandArgs,
} from "./io.ts";
import {
  numberOption,
  runFromCommandLine,
  WHAT_IF_OPTIONS,
  WHAT_IF_USAGE,
} from "./what-if-options.ts";

export const SIMULATE_USAGE = `usage: gateway simulate [options]
  --policy FILE          routing policy (default: the reference world)
  --scenario FILE        YAML steps of site states, each adding to those before (over --state)
  --top N                flows listed in the table (default 40; --json lists all)
  --svg FILE             also write an SVG of utilisation and flows
${WHAT_IF_USAGE}
exit: 0 done, 1 invalid input, 2 wrong command line, 4 a residency violation`;

const OPTIONS = {
  ...WHAT_IF_OPTIONS,
  policy: { type: "string", default: REFERENCE_POLICY },
  scenario: { type: "string" },
  top: { type: "string", default: "40" },
  svg: { type: "string" },
} as const;

export function simulationJson(
  mix: MixReport,
  scale: number,
  serviceTimeMs: number,
  steps: readonly ScenarioStep[],
  results: readonly Simulation[],
) {
  return {
    mix: { ...mix, scale },
    serviceTimeMs,
    residencyViolations: results.reduce((n, r) => n + r.residencyViolations.length, 0),
    steps: steps.map((step, i) => ({ step: step.name, states: step.states, ...results[i] })),
  };
}

export async function simulateCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const parsed = parseCommandArgs(
    "simulate",
    SIMULATE_USAGE,
    { args: [...args], options: OPTIONS },
    io,
  );
  if (!parsed) return EXIT_USAGE;
  const { values } = parsed;
  const top = numberOption("top", values.top, 0, 1_000_000);
  if (typeof top === "string") {
    io.err(`gateway simulate: ${top}`);
    return EXIT_USAGE;
  }
  const world = loadWorld(values.catalogue, values.policy);
  if (!world.ok) {
    for (const error of world.errors) io.err(formatConfigError(error));
    return EXIT_INVALID;
  }
  const run = await runFromCommandLine(
    "simulate",
    values,
    world.catalogue,
    [world.policy],
    io,
    values.scenario,
  );
  if (typeof run === "number") return run;
  const { steps, options } = run.setup;
  const results = run.results[0] ?? [];
  io.out(
    values.json
      ? JSON.stringify(
          simulationJson(run.mix, run.scale, options.serviceTimeMs, steps, results),
          null,
          2,
        )
      : steps
          .map((step, i) => simulationText(step.name, results[i] as Simulation, top))
          .join("\n\n"),
  );
  if (values.svg !== undefined) {
    const drawn = steps.map((s, i) => ({ step: s.name, result: results[i] as Simulation }));
    writeFileSync(values.svg, await renderSvg(whatIfSpec(drawn)));
  }
  return simulateExit(results);
}

/** 4 when any step shows a residency violation, else 0. */
export function simulateExit(results: readonly Simulation[]): number {
  return results.some((r) => r.residencyViolations.length > 0) ? EXIT_VIOLATION : EXIT_OK;
}
