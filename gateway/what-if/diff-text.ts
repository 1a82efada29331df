/**
 * A routing diff for people, as `terraform plan` prints a plan: each client group that moves,
 * its moves with both sides' kinds and reasons, the sites whose load changes, one summary line.
 * Pure formatting.
 */
import type { Move, RoutingDiff } from "../../routing-tables/routing-diff.ts";

const rate = (rps: number) => rps.toFixed(1);
const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

const side = (s: Move["before"]) =>
  s.kinds.length === 0 && s.reasons.length === 0
    ? "-"
    : `${s.kinds.join("+") || "-"} (${s.reasons.join("; ") || "no reason given"})`;

export function diffText(diff: RoutingDiff, maxGroups = 50): string {
  if (diff.groups.length === 0)
    return `No traffic moves: both sides route these ${rate(diff.rps)} requests/s the same way.`;
  const lines: string[] = [];
  for (const g of diff.groups.slice(0, maxGroups)) {
    lines.push(
      `~ ${g.group} · ${g.service || "-"}: ${rate(g.movedRps)} of ${rate(g.rps)} requests/s move (${percent(g.rps > 0 ? g.movedRps / g.rps : 0)})`,
    );
    for (const m of g.moves) {
      lines.push(`    ${m.from} → ${m.to}  ${rate(m.rps)}/s`);
      lines.push(`      was: ${side(m.before)}`);
      lines.push(`      now: ${side(m.after)}`);
    }
  }
  if (diff.groups.length > maxGroups)
    lines.push(`… and ${diff.groups.length - maxGroups} more groups (--json for all)`);
  if (diff.sites.length > 0) {
    lines.push("", "site load (requests/s):");
    for (const s of diff.sites)
      lines.push(
        `  ${s.site.padEnd(6)} ${rate(s.beforeRps).padStart(10)} → ${rate(s.afterRps).padStart(10)}`,
      );
  }
  lines.push(
    "",
    `${diff.groups.length} client group(s) move: ${rate(diff.movedRps)} of ${rate(diff.rps)} requests/s (${percent(diff.movedShare)}) change site.`,
  );
  return lines.join("\n");
}
