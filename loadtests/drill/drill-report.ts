/** The drill's Markdown report (pure): goals, events, failures per phase, plots, summary. */
import type { DrillAnalysis } from "./analyse-drill.ts";

export interface ReportFacts {
  readonly startedAt: string;
  readonly ratePerS: number;
  readonly warmUpS: number;
  readonly durationS: number;
  readonly holdDownS: number;
  readonly plots: { readonly share: string; readonly latency: string; readonly curve: string };
  /** The run's text summary (thresholds, regions, sites). */
  readonly summaryText: string;
}

const s = (ms: number | null) => (ms === null ? "never" : `${(ms / 1_000).toFixed(3)} s`);
const table = (head: readonly string[], rows: readonly (readonly string[])[]) => [
  `| ${head.join(" | ")} |`,
  `|${head.map(() => "---").join("|")}|`,
  ...rows.map((r) => `| ${r.join(" | ")} |`),
];

export function drillReport(a: DrillAnalysis, facts: ReportFacts): string {
  return [
    "# Failover drill",
    "",
    `Run ${facts.startedAt} against the demo world (a child process of the drill): ${facts.ratePerS} requests/s`,
    `(open model, reached over a ${facts.warmUpS} s ramp) for ${facts.durationS} s, ${a.requests} requests. Event times are`,
    "when the admin call was sent; the other times count from there.",
    "",
    "## Goals",
    "",
    ...table(
      ["goal", "observed", "met"],
      a.goals.map((g) => [g.goal, g.observed, g.met ? "yes" : "**no**"]),
    ),
    "",
    "## Sites lost",
    "",
    ...table(
      [
        "event",
        "at",
        "affected client regions",
        "last answer from the lost site",
        "rerouted",
        "rerouted, idempotent only",
        "settled elsewhere",
        "served after the mark",
      ],
      a.losses.map((l) => [
        l.label,
        s(l.atMs),
        l.affectedRegions.join(", ") || "none",
        l.lastServedByLostMs === null ? "none after the event" : `+${s(l.lastServedByLostMs)}`,
        `+${s(l.reroutedMs)}`,
        `+${s(l.reroutedIdempotentMs)}`,
        `+${s(l.settledMs)}`,
        l.servedAfterMark === null ? "-" : String(l.servedAfterMark),
      ]),
    ),
    "",
    "## Sites back",
    "",
    ...table(
      [
        "event",
        "at",
        "baseline share",
        "first answer back",
        `share ≥ 90 % of baseline (hold-down ${facts.holdDownS} s)`,
      ],
      a.returns.map((r) => [
        r.label,
        s(r.atMs),
        `${(r.baselineShare * 100).toFixed(1)} %`,
        r.firstBackMs === null ? "never" : `+${s(r.firstBackMs)}`,
        r.shareBackMs === null ? "never" : `+${s(r.shareBackMs)}`,
      ]),
    ),
    "",
    "## Failed requests per phase",
    "",
    ...table(
      ["phase", "from", "requests", "failed idempotent", "failed non-idempotent (POST)"],
      a.phases.map((p) => [
        p.label,
        s(p.fromMs),
        String(p.requests),
        String(p.failedIdempotent),
        String(p.failedOther),
      ]),
    ),
    "",
    "## Plots",
    "",
    `![share of traffic by serving site over time](${facts.plots.share})`,
    "",
    `![latency percentiles over time](${facts.plots.latency})`,
    "",
    `![latency by percentile, HDR histogram](${facts.plots.curve})`,
    "",
    "## Latency by percentile, whole drill (ms)",
    "",
    ...table(
      ["percentile", "from scheduled start (corrected)", "from real send (uncorrected)"],
      a.curve.map((p) => [`${p.percentile}`, p.correctedMs.toFixed(2), p.serviceMs.toFixed(2)]),
    ),
    "",
    "## Thresholds and per-region / per-site summary",
    "",
    "```text",
    facts.summaryText.trimEnd(),
    "```",
    "",
    "## Definitions",
    "",
    "- Affected clients of a lost site: the regions it served in the 5 s before the event.",
    "- Rerouted: the end of the last request of those clients (scheduled before the next event) that",
    "  failed or was served by the lost site; after it, every one of them was served elsewhere.",
    "- Settled elsewhere: the end of the last request of those clients (scheduled before the next event)",
    "  that failed, was served by the lost site, or by a site outside where they end up (sites serving",
    "  at least 5 % of them in the last 2 s before the next event).",
    "  It includes the gateways' own settling: a site whose backends die is degraded (part of its share",
    "  spills to the hubs) until probes or breakers mark it down and its gateway stops announcing.",
    "- Served after the mark: answers from the compromised site to requests sent after the admin API",
    "  confirmed the mark, until its restore.",
    "- Baseline share: the site's share from the end of the warm-up to the first event.",
    "- Share back: the end of the first 1 s bucket in which the site serves at least 90 % of it.",
    "",
  ].join("\n");
}
