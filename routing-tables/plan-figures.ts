/**
 * The per-plan view of the sites: which may serve (eligible), how much each keeps, what
 * each costs from here. Built from the service's precomputed tables (service-tables.ts).
 */
import type { ClientLocation } from "./client.ts";
import { estimateRttMs } from "./geo.ts";
import type { Exclusion } from "./reason.ts";
import type { ResolvedRule, ServiceTables } from "./service-tables.ts";
import type { Snapshot } from "./snapshot.ts";

export interface PlanFigures {
  /** Not compromised and allowed by residency: panic spreads over these. */
  readonly eligible: readonly number[];
  readonly excluded: readonly Exclusion[];
  /** availability[site]: 0..1 share it keeps; 0 for every site that may take no share. */
  readonly availability: readonly number[];
  readonly costMs: readonly number[];
  /** Healthy capacity of the eligible sites as a percent of their capacity. */
  readonly usablePercent: number;
}

export function planFigures(
  snapshot: Snapshot,
  tables: ServiceTables,
  ingress: number,
  client: ClientLocation,
  direct: boolean,
  rule: ResolvedRule | undefined,
): PlanFigures {
  const { sites } = snapshot;
  const eligible: number[] = [];
  const excluded: Exclusion[] = [];
  const availability = new Array<number>(sites.length).fill(0);
  const costMs = costRow(snapshot, tables, ingress, client, direct);
  let capacity = 0;
  let usable = 0;
  for (let i = 0; i < sites.length; i++) {
    const site = sites[i] as (typeof sites)[number];
    const blocked = tables.blockedBy[i];
    if (blocked === "compromised") {
      excluded.push({ site: site.id, code: blocked });
    } else if (rule && !rule.allowed[i]) {
      excluded.push({ site: site.id, code: "residency" });
    } else {
      eligible.push(i);
      capacity += site.config.capacity;
      usable += site.config.capacity * (site.state === "down" ? 0 : site.health);
      if (blocked) excluded.push({ site: site.id, code: blocked });
      else availability[i] = tables.kept[i] ?? 0;
    }
  }
  const usablePercent = capacity > 0 ? (100 * usable) / capacity : 0;
  return { eligible, excluded, availability, costMs, usablePercent };
}

function costRow(
  snapshot: Snapshot,
  tables: ServiceTables,
  ingress: number,
  client: ClientLocation,
  direct: boolean,
): number[] {
  const { latitude, longitude } = client;
  const fromClient = direct && latitude !== undefined && longitude !== undefined;
  const rtt = snapshot.rttMs[ingress] ?? [];
  const withService = tables.tuning.steering === "latency";
  return snapshot.sites.map((site, i) => {
    const network = fromClient
      ? estimateRttMs({ latitude, longitude }, site.config)
      : (rtt[i] ?? Number.POSITIVE_INFINITY);
    return withService ? network + site.serviceLatencyMs : network;
  });
}
