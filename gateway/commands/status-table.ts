/**
 * `gateway status` as text (pure): the ops view's facts (gateway/ui/ops-view.ts) as tables —
 * one row per site (state over the fleet, health, dial, share per service, breaker, RTT as
 * the chosen gateway reads them) and, in fleet mode, one row per gateway (answers or why not,
 * snapshot version, workers, refused config). A gateway that cannot be read says so in
 * capitals: a missing row is never taken as a healthy one.
 */
import type { OpsView } from "../ui/ops-view.ts";

const percent = (value: number | null | undefined) =>
  value === null || value === undefined ? "-" : `${Math.round(value * 100)}%`;
const millis = (value: number | null | undefined) =>
  value === null || value === undefined
    ? "-"
    : `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;

/** At most this many share columns; more services need `--service`. */
export const MAX_SHARE_COLUMNS = 4;

export interface StatusOptions {
  /** Only this service's share (default: every service, up to MAX_SHARE_COLUMNS). */
  readonly service?: string | undefined;
  /** The gateway whose readings the site rows show (default: the view's own). */
  readonly from?: string | undefined;
}

export function statusTable(view: OpsView, options: StatusOptions = {}): string {
  const from = options.from ?? view.self;
  const gateway = view.gateways.find((g) => g.id === from);
  const services = options.service ? [options.service] : view.services.slice(0, MAX_SHARE_COLUMNS);
  const fleet = view.mode === "fleet";
  const head = ["SITE", "TIER", "STATE", ...(fleet ? ["GATEWAY"] : []), "HEALTH", "DIAL"];
  head.push(...services.map((s) => `SHARE ${s}`), "BREAKER", "RTT");
  const rows = view.sites.map((site) => {
    const reading = gateway?.sites[site.id];
    return [
      site.id,
      site.tier,
      site.disagree ? `${site.state}*` : site.state,
      ...(fleet ? [site.gateway === "up" ? "up" : site.gateway.toUpperCase()] : []),
      percent(reading?.health),
      percent(reading?.dial),
      ...services.map((s) => percent(reading ? (reading.share[s] ?? 0) : null)),
      reading?.breaker ?? "-",
      millis(reading?.rttMs),
    ];
  });
  const lines = [title(view, from), "", ...columns([head, ...rows])];
  if (view.services.length > services.length)
    lines.push(`(${view.services.length - services.length} more services: --service NAME)`);
  if (view.sites.some((s) => s.disagree)) lines.push("* gateways disagree about this site");
  if (fleet) lines.push("", ...columns(gatewayRows(view)));
  for (const problem of view.problems) lines.push(`! ${problem}`);
  return lines.join("\n");
}

function title(view: OpsView, from: string): string {
  if (view.mode !== "fleet") return `gateway ${view.self}: ${view.sites.length} sites`;
  const down = view.gateways.filter((g) => !g.reachable).length;
  const unread = down > 0 ? `, ${down} UNREACHABLE` : "";
  return `fleet: ${view.gateways.length} gateways${unread}; shares, breakers and RTT as ${from} reads them`;
}

function gatewayRows(view: OpsView): string[][] {
  const rows = view.gateways.map((g) => [
    g.id,
    g.reachable ? "yes" : `UNREACHABLE: ${g.error ?? ""}`,
    g.snapshotVersion === null ? "-" : `v${g.snapshotVersion}`,
    g.workers === null ? "-" : String(g.workers),
    g.rejectedConfig ? "REFUSED" : "ok",
    g.sites[g.ingress]?.state ?? "-",
  ]);
  return [["GATEWAY", "ANSWERS", "SNAPSHOT", "WORKERS", "CONFIG", "OWN SITE"], ...rows];
}

/** Rows as left-aligned columns two spaces apart; the last column is not padded. */
export function columns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}
