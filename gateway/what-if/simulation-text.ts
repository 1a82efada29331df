/**
 * A simulation as a table for people: sites with requests/s against usable capacity (OVER
 * marks a site past it), the largest flows, what no site serves, and the residency verdict.
 * Pure formatting.
 */
import type { Simulation, SiteLoad } from "../../routing-tables/simulation.ts";

const rate = (rps: number) => rps.toFixed(1);
const percent = (share: number | null) => (share === null ? "-" : `${(share * 100).toFixed(1)}%`);

function siteLine(s: SiteLoad): string {
  const state = s.state === "degraded" ? `degraded ${s.health.toFixed(2)}` : s.state;
  return [
    s.site.padEnd(6),
    s.name.slice(0, 16).padEnd(16),
    s.tier.padEnd(5),
    state.padEnd(14),
    rate(s.rps).padStart(11),
    rate(s.usableRps).padStart(11),
    percent(s.utilisation).padStart(8),
    s.overCapacity ? " OVER" : "",
  ]
    .join(" ")
    .trimEnd();
}

function flowLines(result: Simulation, top: number): string[] {
  const largest = [...result.flows].sort((a, b) => b.rps - a.rps).slice(0, top);
  const lines = [
    "",
    `${"client group".padEnd(22)} ${"service".padEnd(8)} ${"ingress".padEnd(7)}   ${"site".padEnd(6)} ${"kind".padEnd(8)} ${"requests/s".padStart(10)}`,
    ...largest.map(
      (f) =>
        `${f.group.slice(0, 22).padEnd(22)} ${f.service.slice(0, 8).padEnd(8)} ${f.ingress.padEnd(7)} → ${f.site.padEnd(6)} ${f.kind.padEnd(8)} ${rate(f.rps).padStart(10)}`,
    ),
  ];
  const more = result.flows.length - largest.length;
  if (more > 0) lines.push(`… and ${more} smaller flows (--top N, or --json for all)`);
  return lines;
}

function verdictLines(result: Simulation): string[] {
  const lines: string[] = [];
  if (result.unserved.length > 0) {
    lines.push("", "no site:");
    for (const u of result.unserved.slice(0, 20))
      lines.push(
        `  ${u.group.slice(0, 22).padEnd(22)} ${(u.service || "-").padEnd(8)} ${u.code.padEnd(18)} ${rate(u.rps).padStart(10)}`,
      );
    if (result.unserved.length > 20) lines.push(`  … and ${result.unserved.length - 20} more`);
  }
  for (const f of result.residencyFailedOpen.slice(0, 20))
    lines.push(
      `residency rule "${f.rule}" failed open (policy allows it) for ${f.group} ${f.service}: ${rate(f.rps)}/s`,
    );
  const violations = result.residencyViolations;
  lines.push("", `residency violations: ${violations.length}`);
  for (const v of violations.slice(0, 20))
    lines.push(
      `  VIOLATION ${v.group} ${v.service}: ${rate(v.rps)}/s to ${v.site} (${v.jurisdiction}) breaks "${v.rule}"`,
    );
  if (result.groupsCapped) lines.push("(more client groups than kept: the rest are summed as one)");
  return lines;
}

export function simulationText(step: string, result: Simulation, top = 40): string {
  const over = result.sites.filter((s) => s.overCapacity).map((s) => s.site);
  const head = [
    `== ${step} ==`,
    `${result.rows} rows, ${rate(result.rps)} requests/s: ${rate(result.servedRps)} served, ${rate(result.rps - result.servedRps)} by no site, ${rate(result.panicRps)} in panic; over capacity: ${over.length > 0 ? over.join(", ") : "none"}`,
    "",
    `${"site".padEnd(6)} ${"name".padEnd(16)} ${"tier".padEnd(5)} ${"state".padEnd(14)} ${"requests/s".padStart(11)} ${"usable/s".padStart(11)} ${"util".padStart(8)}`,
  ];
  return [
    ...head,
    ...result.sites.map(siteLine),
    ...flowLines(result, top),
    ...verdictLines(result),
  ].join("\n");
}
