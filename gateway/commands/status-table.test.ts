import assert from "node:assert/strict";
import { test } from "node:test";
import { type GatewayReport, opsView } from "../ui/ops-view.ts";
import { readSitesBody } from "../ui/sites-body.ts";
import { columns, statusTable } from "./status-table.ts";

function read(ingress: string, states: Record<string, string>, services = ["web"]): GatewayReport {
  const sites = Object.entries(states).map(([id, state]) => ({
    id,
    tier: id === "fra" ? "hub" : "edge",
    state,
    health: state === "degraded" ? 0.4 : 1,
    dial: 1,
    rttMs: id === ingress ? 0.5 : 42,
    breaker: state === "down" ? "open" : "closed",
    shareFromHere: Object.fromEntries(services.map((s) => [s, id === ingress ? 0.75 : 0.25])),
  }));
  const parsed = readSitesBody({ ingress, sites });
  assert.ok(parsed.ok);
  return { id: ingress, ingress, reachable: true, body: parsed.body };
}

const view = (mode: "single" | "fleet", reports: GatewayReport[]) =>
  opsView({ mode, self: "fra", reports, project: () => null });

/** The table's row for a site, split into its cells. */
const rowOf = (text: string, first: string) =>
  text
    .split("\n")
    .find((line) => line.startsWith(`${first} `))
    ?.split(/\s{2,}/);

test("one gateway: a row per site with state, health, dial, share, breaker and RTT", () => {
  const text = statusTable(view("single", [read("fra", { fra: "healthy", lhr: "degraded" })]));
  assert.deepEqual(rowOf(text, "SITE"), [
    "SITE",
    "TIER",
    "STATE",
    "HEALTH",
    "DIAL",
    "SHARE web",
    "BREAKER",
    "RTT",
  ]);
  assert.deepEqual(rowOf(text, "fra"), [
    "fra",
    "hub",
    "healthy",
    "100%",
    "100%",
    "75%",
    "closed",
    "0.5 ms",
  ]);
  assert.deepEqual(rowOf(text, "lhr"), [
    "lhr",
    "edge",
    "degraded",
    "40%",
    "100%",
    "25%",
    "closed",
    "42 ms",
  ]);
  assert.match(text, /^gateway fra: 2 sites$/m);
});

test("the fleet: an unreachable gateway is shown in capitals in both tables, with why", () => {
  const down: GatewayReport = {
    id: "lhr",
    ingress: "lhr",
    reachable: false,
    error: "answered 503",
  };
  const text = statusTable(view("fleet", [read("fra", { fra: "healthy", lhr: "healthy" }), down]));
  assert.deepEqual(rowOf(text, "lhr")?.slice(0, 4), ["lhr", "edge", "unreachable", "UNREACHABLE"]);
  assert.match(text, /^lhr\s+UNREACHABLE: answered 503\s+-\s+-\s+ok\s+-$/m);
  assert.match(text, /^fleet: 2 gateways, 1 UNREACHABLE;/m);
});

test("a site the gateways disagree about is starred, with a note", () => {
  const text = statusTable(
    view("fleet", [
      read("fra", { fra: "healthy", lhr: "down" }),
      read("lhr", { fra: "healthy", lhr: "healthy" }),
    ]),
  );
  assert.equal(rowOf(text, "lhr")?.[2], "down*");
  assert.match(text, /^\* gateways disagree about this site$/m);
});

test("more services than columns: the first four, and how to see another", () => {
  const services = ["a", "b", "c", "d", "e", "f"];
  const text = statusTable(view("single", [read("fra", { fra: "healthy" }, services)]));
  assert.equal(rowOf(text, "SITE")?.filter((h) => h.startsWith("SHARE")).length, 4);
  assert.match(text, /^\(2 more services: --service NAME\)$/m);
  const one = statusTable(view("single", [read("fra", { fra: "healthy" }, services)]), {
    service: "f",
  });
  assert.deepEqual(
    rowOf(one, "SITE")?.filter((h) => h.startsWith("SHARE")),
    ["SHARE f"],
  );
});

test("columns line up, and the last one is not padded", () => {
  assert.deepEqual(
    columns([
      ["a", "bb", "c"],
      ["ddd", "e", "ffff"],
    ]),
    ["a    bb  c", "ddd  e   ffff"],
  );
});
