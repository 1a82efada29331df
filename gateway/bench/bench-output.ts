/**
 * The proxy benchmark's report on stdout, as JSON (`--json`) or as text: the closed-loop table and comparisons, the
 * open-model table and the load generator's accuracy (open mode), the soak, the goals, the
 * notes, and the CPU profiles with `--cpu-prof`.
 */
import type { Rates } from "./bench-phases.ts";
import { formatProfile, formatProfileDiff, type ProfileSummary } from "./cpu-profile.ts";
import { formatGoals } from "./format-goals.ts";
import { evaluateGoals } from "./goals.ts";
import type { OpenMeasurement } from "./measure.ts";
import {
  formatGeneratorTable,
  formatOpenTable,
  type OpenSummary,
  summariseOpen,
} from "./open-report.ts";
import { compare, formatComparisons, formatTable, type Measurement, summarise } from "./report.ts";
import { formatSoak, type SoakResult } from "./soak.ts";
import { TARGET_LABELS, type TargetName } from "./targets.ts";

/** What a run produced: the report derives its summaries, comparisons and goals from it. */
export interface RunReport {
  readonly meta: {
    readonly mode: string;
    readonly node: string;
    readonly loadGenerator: string;
    readonly nginx: string | null;
    readonly connections: number;
    readonly openConnections: number | null;
    readonly rounds: number;
    readonly seconds: number;
  };
  readonly notes: readonly string[];
  readonly closed: readonly Measurement[];
  readonly bodyNames: readonly string[];
  readonly open: readonly OpenMeasurement[];
  readonly rates: Rates;
  readonly soak: SoakResult | undefined;
  readonly profiles: readonly { target: TargetName; summary: ProfileSummary }[];
  readonly served: ReadonlyMap<TargetName, number>;
}

function derive(r: RunReport) {
  const summaries = summarise(r.closed);
  return {
    summaries,
    comparisons: compare(r.closed, r.bodyNames, summaries),
    openSummaries: summariseOpen(r.open),
    goals: evaluateGoals({
      closed: r.closed,
      open: r.open,
      bodies: r.bodyNames,
      ...(r.soak && { soak: r.soak }),
    }),
  };
}

/**
 * `--json`: every figure. Non-finite numbers become null (JSON has no Infinity): a null p99
 * of an open run means it left more than 1 % of its requests unanswered (see its counts).
 */
export function printJson(r: RunReport): void {
  const { summaries, comparisons, openSummaries, goals } = derive(r);
  const profiles = r.profiles.map(({ target, summary }) => ({
    target,
    requests: r.served.get(target),
    ...summary,
  }));
  const open =
    r.meta.mode === "open"
      ? { rates: r.rates, summaries: openSummaries, measurements: r.open }
      : null;
  const json = {
    ...r.meta,
    notes: r.notes,
    goals,
    summaries,
    comparisons,
    measurements: r.closed,
    open,
    soak: r.soak ?? null,
    profiles,
  };
  console.log(JSON.stringify(json, null, 2));
}

export function printText(r: RunReport): void {
  const { meta } = r;
  const { summaries, comparisons, openSummaries, goals } = derive(r);
  console.log(
    `proxy benchmark: ${meta.connections} keep-alive connections, ${meta.loadGenerator}, ${meta.seconds} s per run, median of ${meta.rounds} interleaved round(s); node ${meta.node}${meta.nginx ? `, nginx ${meta.nginx}` : ""}`,
  );
  console.log(
    `CPU µs/req: the target's own CPU time (all its processes and threads) ÷ responses; upstream µs: the upstream's, alike for all.\n`,
  );
  console.log("closed loop (each target at its own saturation):");
  console.log(formatTable(summaries, r.bodyNames));
  console.log(`\n${formatComparisons(comparisons)}\n`);
  if (openSummaries.length > 0) printOpen(r, openSummaries);
  if (r.soak) console.log(`${formatSoak(r.soak)}\n`);
  console.log("goals (issue 17):");
  console.log(`${formatGoals(goals)}\n`);
  for (const note of r.notes) console.log(`note: ${note}`);
  printProfiles(r);
}

function printOpen(r: RunReport, summaries: readonly OpenSummary[]): void {
  const rates = Object.entries(r.rates)
    .map(([body, byPercent]) =>
      Object.entries(byPercent)
        .map(([percent, rate]) => `${body} ${percent} % = ${rate.toLocaleString("en")}/s`)
        .join(", "),
    )
    .join("; ");
  console.log(
    `open model, ${r.meta.openConnections} connections (a fixed rate, percent of bare undici's closed-loop saturation in this run: ${rates}); latency from each request's scheduled send time, unanswered requests ranked last (∞); lost = dropped (every connection busy) + failed + non-2xx:`,
  );
  console.log(formatOpenTable(summaries, r.bodyNames));
  console.log(
    "\nthe load generator's own accuracy (achieved = answered ÷ asked; late = actual send − scheduled send; its CPU per request sent, and in cores):",
  );
  console.log(`${formatGeneratorTable(summaries, r.bodyNames)}\n`);
}

function printProfiles(r: RunReport): void {
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
