import assert from "node:assert/strict";
import { test } from "node:test";
import type { OpsRecord } from "../runner/run-workload.ts";
import type { RequestSample } from "../runner/sample.ts";
import { analyseDrill } from "./analyse-drill.ts";

function req(intendedMs: number, site: string, extra: Partial<RequestSample> = {}): RequestSample {
  return {
    kind: "request",
    flow: "browse",
    region: "zanzibar",
    continent: "AF",
    method: "GET",
    route: "/",
    idempotent: true,
    intendedMs,
    sentMs: intendedMs,
    endMs: intendedMs + 5,
    status: 200,
    error: undefined,
    site,
    compromisedHit: false,
    checks: [],
    ...extra,
  };
}

const op = (atS: number, action: OpsRecord["event"]["action"], site: string): OpsRecord => ({
  event: { atS, action, site },
  sentMs: atS * 1_000,
  answeredMs: atS * 1_000 + 2,
  status: 200,
});

/** One request every 100 ms from Zanzibar for `seconds`, served by `siteAt(ms)`. */
function traffic(seconds: number, siteAt: (ms: number) => string, extra = {}): RequestSample[] {
  return Array.from({ length: seconds * 10 }, (_, i) => req(i * 100, siteAt(i * 100), extra));
}

test("a kill rerouted at once: the last lost-site answer and the reroute are read from the samples", () => {
  // znz serves until 10.3 s (one in-flight answer after the kill at 10 s), dar afterwards.
  const samples = traffic(20, (ms) => (ms <= 10_300 ? "znz" : "dar"));
  const ops = [op(10, "kill", "znz"), op(20, "revive", "znz")];
  const [loss] = analyseDrill(samples, ops, 40_000).losses;
  assert.deepEqual(loss?.affectedRegions, ["zanzibar"]);
  assert.equal(loss?.lastServedByLostMs, 305);
  assert.equal(loss?.reroutedMs, 305);
  assert.equal(loss?.settledMs, 305);
});

test("spill to a hub before the site goes down counts in settling, not in rerouting", () => {
  // After the kill at 10 s: dxb (spill) until 13 s, then dar for good.
  const samples = traffic(20, (ms) => (ms < 10_000 ? "znz" : ms < 13_000 ? "dxb" : "dar"));
  const { losses, goals } = analyseDrill(samples, [op(10, "kill", "znz")], 40_000);
  assert.equal(losses[0]?.reroutedMs, 0);
  assert.equal(losses[0]?.settledMs, 2_905);
  assert.equal(goals[1]?.met, true);
});

test("failed requests are counted per phase, idempotent apart from the rest", () => {
  const samples = [
    ...traffic(20, (ms) => (ms < 10_000 ? "znz" : "dar")),
    req(10_500, "unknown", { status: 502 }),
    req(10_600, "unknown", { status: 0, idempotent: false, method: "POST" }),
  ];
  const a = analyseDrill(samples, [op(10, "kill", "znz")], 40_000);
  assert.equal(a.losses[0]?.reroutedMs, 605);
  assert.equal(a.losses[0]?.reroutedIdempotentMs, 505);
  assert.equal(a.failedIdempotent, 1);
  assert.equal(a.failedOther, 1);
  assert.deepEqual(
    a.phases.map((p) => [p.label, p.failedIdempotent, p.failedOther]),
    [
      ["before the first event", 0, 0],
      ["kill znz", 1, 1],
    ],
  );
  assert.equal(a.goals[0]?.met, false);
});

test("answers from a compromised site to requests sent after the mark are counted", () => {
  const samples = traffic(20, (ms) => (ms < 10_500 ? "znz" : "dar"));
  const ops = [op(10, "compromise", "znz"), op(15, "restore", "znz")];
  const { losses, goals } = analyseDrill(samples, ops, 40_000);
  // Requests sent at 10.1 … 10.4 s (after the admin's answer at 10.002 s) were still served by znz.
  assert.equal(losses[0]?.servedAfterMark, 4);
  assert.equal(goals[2]?.met, false);
});

test("a revived site is back when its share reaches 90 % of its share before the drill", () => {
  // znz serves everything before the kill, nothing until 25 s, then all again.
  const samples = traffic(40, (ms) => (ms < 10_000 || ms >= 25_000 ? "znz" : "dar"));
  const ops = [op(10, "kill", "znz"), op(20, "revive", "znz")];
  const { returns, goals } = analyseDrill(samples, ops, 40_000);
  assert.equal(returns[0]?.baselineShare, 1);
  assert.equal(returns[0]?.firstBackMs, 5_005);
  assert.equal(returns[0]?.shareBackMs, 6_000);
  assert.equal(goals[3]?.met, true);
  assert.equal(analyseDrill(samples, ops, 5_000).goals[3]?.met, false);
});

test("a region with no site of its own moving to an equally near site does not hold a return back", () => {
  // Zanzibar (znz's own) and Johannesburg (no site of its own) both on znz before the kill;
  // after the revive Zanzibar comes back to znz at 25 s, Johannesburg stays on dar.
  const zanzibar = traffic(40, (ms) => (ms < 10_000 || ms >= 25_000 ? "znz" : "dar"));
  const johannesburg = traffic(40, (ms) => (ms < 10_000 ? "znz" : "dar"), {
    region: "johannesburg",
  });
  const samples = [...zanzibar, ...johannesburg].sort((a, b) => a.intendedMs - b.intendedMs);
  const ops = [op(10, "kill", "znz"), op(20, "revive", "znz")];
  const { returns } = analyseDrill(samples, ops, 40_000);
  assert.equal(returns[0]?.baselineShare, 1, "the share is taken over Zanzibar's requests");
  assert.equal(returns[0]?.shareBackMs, 6_000);
});

test("the report's tables have as many cells per row as headers", async () => {
  const { drillReport } = await import("./drill-report.ts");
  const samples = traffic(40, (ms) => (ms < 10_000 || ms >= 25_000 ? "znz" : "dar"));
  const ops = [op(10, "kill", "znz"), op(12, "compromise", "dar"), op(20, "revive", "znz")];
  const report = drillReport(analyseDrill(samples, ops, 40_000), {
    startedAt: "now",
    ratePerS: 10,
    warmUpS: 0,
    durationS: 40,
    holdDownS: 40,
    plots: { share: "a.svg", latency: "b.svg", curve: "c.svg" },
    summaryText: "",
  });
  const rows = report.split("\n").filter((line) => line.startsWith("|"));
  let columns = 0;
  for (const [i, line] of rows.entries()) {
    const cells = line.split("|").length;
    if (rows[i + 1]?.startsWith("|---")) columns = cells;
    else assert.equal(cells, columns, line);
  }
});
