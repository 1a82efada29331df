/**
 * The TLS benchmark's arithmetic and verdicts, pure: per target and mode, the median over the
 * rounds of CPU µs per unit (request or handshake) and of units per second; then the issue's
 * goals, each MET or MISSED with its figures, compared paired (DESIGN.md): each figure is the
 * median over rounds of that round's difference or ratio, so a machine that slows down or
 * speeds up between rounds moves both sides of a comparison alike:
 *   - TLS adds ≤ 1.3× nginx's absolute TLS cost per request on top of the gateway's plain
 *     figure: (gateway TLS h1 − gateway plain h1) ≤ 1.3 × (nginx TLS h1 − nginx plain h1);
 *   - HTTP/2 with multiplexing costs ≤ the HTTP/1.1 figure per request (both over TLS).
 * A full handshake's cost is also given as handshakes per second per core (1e6 / µs).
 */
import { median } from "./report.ts";
import { type LoadMode, type LoadResult, MODE_LABELS } from "./tls-load.ts";

export interface ModeFigure {
  /** CPU µs of the target per request (per handshake for `handshake`), median over rounds. */
  readonly cpuMicros: number;
  /** Requests (handshakes) per second, median over rounds. */
  readonly perSecond: number;
  readonly failed: number;
}

export type TargetFigures = Partial<Record<LoadMode, ModeFigure>>;

/** A target's runs per mode, one per round, in round order. */
export type TargetRuns = Partial<Record<LoadMode, readonly LoadResult[]>>;

const perUnit = (r: LoadResult) => r.cpuMicros / Math.max(1, r.done);

/** Median over rounds of `pick(round's a, round's b)`; undefined without both. */
function paired(
  a: readonly LoadResult[] | undefined,
  b: readonly LoadResult[] | undefined,
  pick: (x: number, y: number) => number,
): number | undefined {
  if (!a || !b || a.length === 0 || a.length !== b.length) return undefined;
  return median(a.map((run, i) => pick(perUnit(run), perUnit(b[i] as LoadResult))));
}

export function figureOf(runs: readonly LoadResult[]): ModeFigure | undefined {
  const usable = runs.filter((r) => r.done > 0);
  if (usable.length === 0) return undefined;
  return {
    cpuMicros: median(usable.map((r) => r.cpuMicros / r.done)),
    perSecond: median(usable.map((r) => r.done / r.seconds)),
    failed: runs.reduce((sum, r) => sum + r.failed, 0),
  };
}

export interface TlsGoal {
  readonly goal: string;
  readonly verdict: "MET" | "MISSED" | "not measured";
  readonly detail: string;
}

export const TLS_COST_FACTOR = 1.3;

export function tlsGoals(gateway: TargetRuns, nginx: TargetRuns | undefined): TlsGoal[] {
  const goals: TlsGoal[] = [];
  const added = (t: TargetRuns | undefined) =>
    paired(t?.["tls-h1"], t?.["plain-h1"], (tls, plain) => tls - plain);
  const gatewayAdds = added(gateway);
  const nginxAdds = added(nginx);
  const tlsGoal = `TLS adds ≤ ${TLS_COST_FACTOR}× nginx's TLS cost per request (HTTP/1.1)`;
  if (gatewayAdds === undefined || nginxAdds === undefined)
    goals.push({
      goal: tlsGoal,
      verdict: "not measured",
      detail: "needs both targets, both modes",
    });
  else
    goals.push({
      goal: tlsGoal,
      verdict: gatewayAdds <= TLS_COST_FACTOR * nginxAdds ? "MET" : "MISSED",
      detail: `gateway ${signed(gatewayAdds)}, nginx ${signed(nginxAdds)} (limit ${µs(TLS_COST_FACTOR * nginxAdds)}); median of the rounds' differences`,
    });
  const h2Goal = "HTTP/2 multiplexed costs ≤ HTTP/1.1 per request (gateway, over TLS)";
  const h2OverH1 = paired(gateway["tls-h2"], gateway["tls-h1"], (h2, h1) => h2 / h1);
  if (h2OverH1 === undefined)
    goals.push({ goal: h2Goal, verdict: "not measured", detail: "needs both modes" });
  else
    goals.push({
      goal: h2Goal,
      verdict: h2OverH1 <= 1 ? "MET" : "MISSED",
      detail: `h2 / h1 = ${h2OverH1.toFixed(2)}× (median of the rounds' ratios)`,
    });
  return goals;
}

const signed = (micros: number) => `${micros >= 0 ? "+" : ""}${micros.toFixed(1)} µs`;
const µs = (micros: number) => `${micros.toFixed(1)} µs`;

const MODES: readonly LoadMode[] = ["plain-h1", "tls-h1", "tls-h2", "handshake"];

/** One row per target and mode: CPU per unit, rate, handshakes per core-second. */
export function formatTlsTable(targets: Readonly<Record<string, TargetFigures>>): string {
  const rows = [["target", "mode", "CPU µs/unit", "units/s", "per core/s", "failed"]];
  for (const [name, figures] of Object.entries(targets))
    for (const mode of MODES) {
      const f = figures[mode];
      if (!f) continue;
      rows.push([
        name,
        MODE_LABELS[mode],
        f.cpuMicros.toFixed(1),
        f.perSecond.toFixed(0),
        (1e6 / f.cpuMicros).toFixed(0),
        String(f.failed),
      ]);
    }
  const widths =
    rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length))) ?? [];
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ")).join("\n");
}

export function formatTlsGoals(goals: readonly TlsGoal[]): string {
  return goals.map((g) => `${g.verdict.padEnd(12)} ${g.goal}: ${g.detail}`).join("\n");
}
