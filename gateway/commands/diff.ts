/**
 * `gateway diff --from OLD --to NEW`: which client groups change site between two policies
 * over the same catalogue, mix and site states, from where to where, the share that moves,
 * and both sides' reasons — `terraform plan` for routing. Exit 0 when nothing moves, 3 when
 * traffic moves (for a policy repository's CI), 4 when either side shows a residency
 * violation, 1 for invalid input, 2 for a wrong command line.
 */
import { formatConfigError } from "../../routing-tables/config-error.ts";
import { diffSimulations } from "../../routing-tables/routing-diff.ts";
import type { Simulation } from "../../routing-tables/simulation.ts";
import { loadWorld } from "../config/config-files.ts";
import { diffText } from "../what-if/diff-text.ts";
import {
  type CommandIo,
  EXIT_CHANGED,
  EXIT_INVALID,
  EXIT_OK,
  EXIT_USAGE,
  EXIT_VIOLATION,
  parseCommandArgs,
} from "./io.ts";
import { runFromCommandLine, WHAT_IF_OPTIONS, WHAT_IF_USAGE } from "./what-if-options.ts";

export const DIFF_USAGE = `usage: gateway diff --from OLD-POLICY --to NEW-POLICY [options]
  --from FILE            the policy in force
  --to FILE              the proposed policy
${WHAT_IF_USAGE}
exit: 0 nothing moves, 3 traffic moves, 4 a residency violation, 1 invalid input, 2 wrong command line`;

const OPTIONS = {
  ...WHAT_IF_OPTIONS,
  from: { type: "string" },
  to: { type: "string" },
} as const;

/** Both policies against the one catalogue, or every error of either. */
function loadBoth(catalogue: string, from: string, to: string, io: CommandIo) {
  const before = loadWorld(catalogue, from);
  const after = loadWorld(catalogue, to);
  if (before.ok && after.ok)
    return { catalogue: before.catalogue, policies: [before.policy, after.policy] };
  for (const side of [before, after])
    if (!side.ok) for (const e of side.errors) io.err(formatConfigError(e));
  return undefined;
}

export async function diffCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const parsed = parseCommandArgs("diff", DIFF_USAGE, { args: [...args], options: OPTIONS }, io);
  if (!parsed) return EXIT_USAGE;
  const { values } = parsed;
  if (values.from === undefined || values.to === undefined) {
    io.err(`gateway diff: give --from and --to\n${DIFF_USAGE}`);
    return EXIT_USAGE;
  }
  const world = loadBoth(values.catalogue, values.from, values.to, io);
  if (!world) return EXIT_INVALID;
  const [before, after] = world.policies;
  if (!before || !after) return EXIT_INVALID;
  const run = await runFromCommandLine("diff", values, world.catalogue, [before, after], io);
  if (typeof run === "number") return run;
  const [old, proposed] = run.results.map((steps) => steps[0] as Simulation);
  if (!old || !proposed) return EXIT_INVALID;
  const diff = diffSimulations(old, proposed);
  const violations = [...old.residencyViolations, ...proposed.residencyViolations];
  io.out(
    values.json
      ? JSON.stringify(
          {
            mix: { ...run.mix, scale: run.scale },
            state: values.state,
            residencyViolations: {
              from: old.residencyViolations,
              to: proposed.residencyViolations,
            },
            ...diff,
          },
          null,
          2,
        )
      : diffText(diff),
  );
  if (violations.length > 0) {
    if (!values.json)
      io.err(
        `gateway diff: ${violations.length} residency violation(s); run simulate on each side`,
      );
    return EXIT_VIOLATION;
  }
  return diff.groups.length > 0 ? EXIT_CHANGED : EXIT_OK;
}
