/** The goals table of the text report: one line per row, the figures behind it after. Pure. */
import type { GoalRow } from "./goals.ts";
import { fixed, pad } from "./report.ts";

function figure(value: number, unit: GoalRow["unit"]): string {
  if (unit === "×") return `${fixed(value, 2)}×`;
  const sign = value >= 0 ? "+" : "";
  return `${Number.isNaN(value) ? "" : sign}${fixed(value, 2)} ${unit}`;
}

export function formatGoals(rows: readonly GoalRow[]): string {
  const head = `${"goal".padEnd(4)} ${"what (median of per-round figures)".padEnd(56)} ${"body".padEnd(5)} ${pad("value", 13)} ${pad("limit", 15)}  verdict`;
  const lines = [head, "-".repeat(head.length)];
  for (const r of rows) {
    const limit = r.limit === undefined ? "shown" : `≤ ${figure(r.limit, r.unit)}`;
    lines.push(
      `${String(r.goal).padEnd(4)} ${r.name.padEnd(56)} ${r.body.padEnd(5)} ${pad(figure(r.value, r.unit), 13)} ${pad(limit, 15)}  ${r.verdict ?? ""}`,
    );
    lines.push(`${"".padEnd(5)}  ${r.detail}`);
  }
  return lines.join("\n");
}
