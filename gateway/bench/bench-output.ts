/**
 * The proxy benchmark's text report on stdout: the closed-loop table and comparisons, the
 * open-model table and the load generator's accuracy (open mode), the soak, the goals, the
 * notes, and the CPU profiles with `--cpu-prof`.
 */
import { formatProfile, formatProfileDiff, type ProfileSummary } from "./cpu-profile.ts";
import { formatGoals } from "./format-goals.ts";
import type { GoalRow } from "./goals.ts";
import { formatGeneratorTable, formatOpenTable, type OpenSummary } from "./open-report.ts";
import { type Comparison, formatComparisons, formatTable, type Summary } from "./report.ts";
import { formatSoak, type SoakResult } from "./soak.ts";
import { TARGET_LABELS, type TargetName } from "./targets.ts";

export interface TextReport {
  readonly meta: {
    readonly mode: string;
    readonly node: string;
    readonly loadGenerator: string;
    readonly nginx: string | null;
    readonly connections: number;
    readonly rounds: number;
    readonly seconds: number;
  };
  readonly notes: readonly string[];
  readonly summaries: readonly Summary[];
  readonly comparisons: readonly Comparison[];
  readonly bodyNames: readonly string[];
  readonly openSummaries: readonly OpenSummary[];
  readonly rates: Readonly<Record<string, Readonly<Record<number, number>>>>;
  readonly soak: SoakResult | undefined;
  readonly goals: readonly GoalRow[];
  readonly profiles: readonly { target: TargetName; summary: ProfileSummary }[];
  readonly served: ReadonlyMap<TargetName, number>;
}

export function printText(r: TextReport): void {
  const { meta } = r;
  console.log(
    `proxy benchmark: ${meta.connections} keep-alive connections, ${meta.loadGenerator}, ${meta.seconds} s per run, median of ${meta.rounds} interleaved round(s); node ${meta.node}${meta.nginx ? `, nginx ${meta.nginx}` : ""}`,
  );
  console.log(
    `CPU µs/req: the target's own CPU time (all its processes and threads) ÷ responses; upstream µs: the upstream's, alike for all.\n`,
  );
  console.log("closed loop (each target at its own saturation):");
  console.log(formatTable(r.summaries, r.bodyNames));
  console.log(`\n${formatComparisons(r.comparisons)}\n`);
  if (r.openSummaries.length > 0) printOpen(r);
  if (r.soak) console.log(`${formatSoak(r.soak)}\n`);
  console.log("goals (issue 17):");
  console.log(`${formatGoals(r.goals)}\n`);
  for (const note of r.notes) console.log(`note: ${note}`);
  printProfiles(r);
}

function printOpen(r: TextReport): void {
  const rates = Object.entries(r.rates)
    .map(([body, byPercent]) =>
      Object.entries(byPercent)
        .map(([percent, rate]) => `${body} ${percent} % = ${rate.toLocaleString("en")}/s`)
        .join(", "),
    )
    .join("; ");
  console.log(
    `open model (a fixed rate, percent of bare undici's closed-loop saturation in this run: ${rates}); latency from each request's scheduled send time, unanswered requests ranked last (∞); lost = dropped (every connection busy) + failed + non-2xx:`,
  );
  console.log(formatOpenTable(r.openSummaries, r.bodyNames));
  console.log(
    "\nthe load generator's own accuracy (achieved = answered ÷ asked; late = actual send − scheduled send; its CPU per request sent, and in cores):",
  );
  console.log(`${formatGeneratorTable(r.openSummaries, r.bodyNames)}\n`);
}

function printProfiles(r: TextReport): void {
  for (const { target, summary } of r.profiles) {
    console.log(
      `\nCPU profile of ${TARGET_LABELS[target]} (profiling adds overhead; read shares, not absolutes):`,
    );
    console.log(formatProfile(summary, r.served.get(target)));
  }
  const side = (target: TargetName) => {
    const profile = r.profiles.find((p) => p.target === target);
    return profile && { summary: profile.summary, requests: r.served.get(target) ?? 1 };
  };
  const gateway = side("gateway");
  for (const baseline of ["bare", "bare-dispatch"] as const) {
    const bare = side(baseline);
    if (!gateway || !bare) continue;
    console.log(
      `\nCPU profiles compared, gateway against ${TARGET_LABELS[baseline]}, per request served (warm-up included):`,
    );
    console.log(formatProfileDiff({ label: "gateway", ...gateway }, { label: baseline, ...bare }));
  }
}
