/**
 * A decision in words and as plain JSON: which site, and why each candidate has its weight.
 * Pure formatting; reads nothing but the decision and the snapshot it came from.
 */
import type { ClientLocation } from "./client.ts";
import type { Decision } from "./decide.ts";
import type { Candidate, Plan } from "./plan.ts";
import type { BlockCode, ExclusionCode, Reason } from "./reason.ts";
import type { Snapshot } from "./snapshot.ts";

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;
const ms = (value: number) => `${value.toFixed(1)} ms`;

export function describeReason(reason: Reason): string {
  switch (reason.code) {
    case "nearest":
      return `nearest usable site (rank ${reason.rank}, ${ms(reason.costMs)} round trip)`;
    case "lowest-latency":
      return `lowest round trip + service time (rank ${reason.rank}, ${ms(reason.costMs)})`;
    case "weighted":
      return `policy weight ${reason.weight}`;
    case "pinned":
      return `geo pin, position ${reason.position}`;
    case "keeps-share":
      return `degraded or dialled down: keeps ${percent(reason.kept)} of its ${percent(reason.of)} share`;
    case "spill":
      return `takes ${percent(reason.share)} spilled from ${reason.from}`;
    case "spill-kept":
      return `no spill target: keeps the ${percent(reason.share)} it should shed`;
    case "panic":
      return `panic: share by capacity, ${percent(reason.capacityShare)}`;
    case "fallback":
      return "fallback for retries";
  }
}

const EXCLUSION_TEXT: Record<ExclusionCode, string> = {
  compromised: "compromised: never routed to",
  draining: "draining (ops)",
  down: "down",
  "drained-by-policy": "drained by this service's policy",
  "dial-zero": "traffic dial at 0%",
  residency: "outside the jurisdictions residency allows",
};

const BLOCK_TEXT: Record<BlockCode, string> = {
  unknown_host: "no service serves this host and path",
  no_usable_site: "no site is usable for this request",
  residency_blocked: "no site allowed by the residency rule is usable (fail-closed)",
};

function candidateJson(snapshot: Snapshot, plan: Plan, candidate: Candidate) {
  const ingress = snapshot.siteIndex.get(plan.ingress) ?? -1;
  return {
    site: candidate.site.id,
    name: candidate.site.config.name,
    tier: candidate.site.tier,
    state: candidate.site.state,
    weight: Number(candidate.weight.toFixed(6)),
    costMs: Number(candidate.costMs.toFixed(2)),
    rtt: snapshot.rttMeasured[ingress]?.[candidate.site.index] ? "measured" : "estimated",
    reasons: candidate.reasons.map(describeReason),
  };
}

function planJson(snapshot: Snapshot, plan: Plan) {
  return {
    service: plan.service,
    ingress: plan.ingress,
    blocked: plan.blocked ?? null,
    panic: plan.panic,
    usablePercent: Number(plan.usablePercent.toFixed(2)),
    residency: plan.residency ?? null,
    pin: plan.pin ?? null,
    candidates: plan.candidates.map((c) => candidateJson(snapshot, plan, c)),
    excluded: plan.excluded.map((e) => ({ site: e.site, reason: EXCLUSION_TEXT[e.code] })),
  };
}

export function explainJson(snapshot: Snapshot, decision: Decision, client: ClientLocation) {
  const chosen = decision.plan.candidates[decision.first]?.site.id ?? null;
  return {
    snapshotVersion: snapshot.version,
    client,
    chosen,
    ...planJson(snapshot, decision.plan),
    dryRun: decision.plan.dryRun ? planJson(snapshot, decision.plan.dryRun) : null,
  };
}

function planLines(snapshot: Snapshot, plan: Plan, chosen: string | null): string[] {
  const lines: string[] = [];
  if (plan.blocked) lines.push(`Blocked (${plan.blocked}): ${BLOCK_TEXT[plan.blocked]}.`);
  if (plan.panic) {
    lines.push(
      `PANIC: only ${plan.usablePercent.toFixed(1)}% of eligible capacity is usable; spreading by capacity.`,
    );
  }
  if (plan.residency) {
    const how = plan.residency.failedOpen
      ? "no allowed site usable, failed open"
      : plan.residency.mode;
    lines.push(`Residency rule "${plan.residency.rule}" applies (${how}).`);
  }
  if (plan.pin) lines.push(`Geo pin: ${plan.pin.join(" → ")}.`);
  for (const candidate of plan.candidates) {
    const c = candidateJson(snapshot, plan, candidate);
    const mark = c.site === chosen ? "→" : " ";
    const share = c.weight > 0 ? percent(c.weight).padStart(6) : "     -";
    lines.push(
      `${mark} ${share}  ${c.site.padEnd(5)} ${c.name} (${c.tier}, ${c.state}, ${ms(c.costMs)} ${c.rtt})`,
    );
    for (const reason of c.reasons) lines.push(`            ${reason}`);
  }
  const byCode = Map.groupBy(plan.excluded, (e) => e.code);
  for (const [code, list] of byCode) {
    lines.push(`  excluded, ${EXCLUSION_TEXT[code]}: ${list.map((e) => e.site).join(", ")}`);
  }
  return lines;
}

export function explainText(
  snapshot: Snapshot,
  decision: Decision,
  client: ClientLocation,
): string {
  const where =
    [client.region ?? client.country, client.continent].filter(Boolean).join(", ") ||
    "location unknown";
  const chosen = decision.plan.candidates[decision.first]?.site.id ?? null;
  const head = `Client (${where}) at ingress ${decision.plan.ingress}, service "${decision.plan.service || "-"}": ${
    chosen ? `send to ${chosen}` : "no site"
  }.`;
  const lines = [head, ...planLines(snapshot, decision.plan, chosen)];
  if (decision.plan.dryRun) {
    lines.push("", "Dry run: this service's own policy would decide:");
    lines.push(
      ...planLines(
        snapshot,
        decision.plan.dryRun,
        decision.plan.dryRun.candidates[0]?.site.id ?? null,
      ),
    );
  }
  return lines.join("\n");
}
