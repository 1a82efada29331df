// simulate() on the reference world: a few cities at 100 requests/s each (testing/reference-world.ts),
// under the scenarios of issue 15. Service time 100 ms, so a site of capacity C serves C × 10 rps.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ClientLocation } from "./client.ts";
import {
  createSimulator,
  type MixRow,
  OTHER_GROUP,
  type SimulateOptions,
  simulate,
} from "./simulate.ts";
import type { Simulation } from "./simulation.ts";
import { applySiteStates, parseSiteStates } from "./site-scenario.ts";
import type { Snapshot } from "./snapshot.ts";
import { CITIES, referenceSnapshot } from "./testing/reference-world.ts";

const OPTIONS: SimulateOptions = { serviceTimeMs: 100 };

type City = keyof typeof CITIES;

const row = (group: City, rps = 100, more: Partial<MixRow> = {}): MixRow => ({
  group,
  client: CITIES[group],
  host: "app.example.net",
  path: "/",
  rps,
  ...more,
});

/** The reference world with `--state` applied. */
function world(state = ""): Snapshot {
  const ids = new Set(referenceSnapshot().sites.map((s) => s.id));
  const parsed = parseSiteStates(state, ids);
  if (!parsed.ok) assert.fail(parsed.errors.join("; "));
  return referenceSnapshot(applySiteStates({ health: {}, overrides: {} }, parsed.states));
}

const run = (state: string, rows: readonly MixRow[]) => simulate(world(state), rows, OPTIONS);

/** group → "site kind rps" lines, rounded to 0.1 rps. */
function flowsOf(result: Simulation, group: string): string[] {
  return result.flows
    .filter((f) => f.group === group)
    .map((f) => `${f.site} ${f.kind} ${f.rps.toFixed(1)}`);
}

const siteOf = (result: Simulation, id: string) => {
  const site = result.sites.find((s) => s.site === id);
  assert.ok(site, id);
  return site;
};

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-6, `${what}: ${actual} is not ${expected}`);

describe("flows on the reference world", () => {
  test("with every site healthy each city is served at home: pins as pin, the rest as primary", () => {
    const result = run("", [
      row("zanzibar"),
      row("darEsSalaam"),
      row("london"),
      row("buenosAires"),
    ]);
    assert.deepEqual(flowsOf(result, "zanzibar"), ["znz pin 100.0"]);
    assert.deepEqual(flowsOf(result, "darEsSalaam"), ["dar pin 100.0"]);
    assert.deepEqual(flowsOf(result, "london"), ["lhr primary 100.0"]);
    assert.deepEqual(flowsOf(result, "buenosAires"), ["bue pin 100.0"]);
    assert.equal(result.residencyViolations.length, 0);
    close(result.servedRps, 400, "served");
  });

  test("dar down: Dar es Salaam fails over to znz, the pin's next site, and stays in Tanzania", () => {
    const result = run("dar=down", [row("zanzibar"), row("darEsSalaam")]);
    assert.deepEqual(flowsOf(result, "darEsSalaam"), ["znz failover 100.0"]);
    assert.deepEqual(flowsOf(result, "zanzibar"), ["znz pin 100.0"]);
    assert.equal(
      result.flows.find((f) => f.group === "darEsSalaam")?.ingress,
      "znz",
      "anycast moved it",
    );
    close(siteOf(result, "znz").rps, 200, "znz carries both");
    close(siteOf(result, "dar").rps, 0, "dar carries nothing");
    assert.equal(result.residencyViolations.length, 0);
  });

  test("dar and znz down: Tanzanian traffic goes to dxb, the one other site its rule allows", () => {
    const result = run("dar=down,znz=down", [row("zanzibar"), row("darEsSalaam")]);
    assert.deepEqual(flowsOf(result, "zanzibar"), ["dxb failover 100.0"]);
    assert.deepEqual(flowsOf(result, "darEsSalaam"), ["dxb failover 100.0"]);
    assert.equal(result.residencyViolations.length, 0);
  });

  test("dar, znz and dxb down: Tanzania panics over its three allowed sites, never abroad", () => {
    const result = run("dar=down,znz=down,dxb=down", [row("zanzibar")]);
    assert.deepEqual(
      flowsOf(result, "zanzibar")
        .map((f) => f.split(" ")[0])
        .sort(),
      ["dar", "dxb", "znz"],
    );
    assert.ok(result.flows.every((f) => f.kind === "panic"));
    close(result.panicRps, 100, "panic rps");
    assert.equal(result.residencyViolations.length, 0);
  });

  test("dar, znz and dxb draining: Tanzanian traffic is residency_blocked, never sent abroad", () => {
    const result = run("dar=draining,znz=draining,dxb=draining", [row("zanzibar"), row("nairobi")]);
    assert.deepEqual(flowsOf(result, "zanzibar"), []);
    assert.deepEqual(
      result.unserved.map((u) => [u.group, u.code, u.rps]),
      [["zanzibar", "residency_blocked", 100]],
    );
    assert.equal(flowsOf(result, "nairobi").length, 1, "Kenya has no rule: served");
    close(result.servedRps, 100, "only Nairobi is served");
    assert.equal(result.residencyViolations.length, 0);
  });

  test("cdg degraded to 0.4 keeps 56% of Paris (0.4 × 1.4) and spills the rest to fra", () => {
    const result = run("cdg=degraded:0.4", [row("paris")]);
    assert.deepEqual(flowsOf(result, "paris"), ["cdg primary 56.0", "fra spill 44.0"]);
    const cdg = siteOf(result, "cdg");
    close(cdg.usableRps, 500 * 10 * 0.4, "usable rps: capacity × 1000 / 100 ms × health");
    close(cdg.utilisation ?? -1, 56 / 2000, "utilisation");
    assert.equal(cdg.overCapacity, false);
  });

  test("cdg degraded and fra draining: Paris spills to arn, the next EU site, not abroad", () => {
    const result = run("cdg=degraded:0.4,fra=draining", [row("paris")]);
    assert.deepEqual(flowsOf(result, "paris"), ["cdg primary 56.0", "arn spill 44.0"]);
    assert.equal(siteOf(result, "fra").usableRps, 0, "a draining site has no usable capacity");
  });

  test("every EU site compromised: Paris is residency_blocked (EU rule, fail-closed)", () => {
    const result = run("cdg=compromised,arn=compromised,fra=compromised", [row("paris")]);
    assert.deepEqual(
      result.unserved.map((u) => [u.code, u.rps]),
      [["residency_blocked", 100]],
    );
    assert.equal(result.residencyViolations.length, 0);
  });

  test("gru and gig draining: São Paulo fails open abroad, counted apart, not as a violation", () => {
    const result = run("gru=draining,gig=draining", [row("saoPaulo")]);
    assert.equal(flowsOf(result, "saoPaulo").length > 0, true);
    assert.ok(result.flows.every((f) => f.site !== "gru" && f.site !== "gig"));
    assert.deepEqual(
      result.residencyFailedOpen.map((f) => [f.group, f.rule, f.rps]),
      [["saoPaulo", "brazil-prefers-brazil", 100]],
    );
    assert.equal(result.residencyViolations.length, 0);
  });

  test("gru compromised: São Paulo is delivered to gig by anycast and served there", () => {
    const result = run("gru=compromised", [row("saoPaulo")]);
    assert.deepEqual(flowsOf(result, "saoPaulo"), ["gig primary 100.0"]);
    assert.equal(result.flows[0]?.ingress, "gig");
  });

  test("too few usable sites: traffic spreads by capacity and is counted as panic", () => {
    const down = ["bue", "gru", "gig", "uio", "mia", "sea", "lhr", "nrt", "sin", "iad", "dxb"];
    const result = run(down.map((id) => `${id}=down`).join(","), [row("tokyo")]);
    close(result.panicRps, 100, "panic rps");
    assert.ok(result.flows.length > 1);
    assert.ok(result.flows.every((f) => f.kind === "panic"));
  });
});

describe("capacity", () => {
  test("2000 rps from Zanzibar put znz (150 concurrent, 1500 rps) over capacity", () => {
    const result = run("", [row("zanzibar", 2000)]);
    const znz = siteOf(result, "znz");
    close(znz.capacityRps, 1500, "capacity rps");
    close(znz.utilisation ?? -1, 2000 / 1500, "utilisation");
    assert.equal(znz.overCapacity, true);
    assert.equal(siteOf(result, "dar").overCapacity, false);
  });

  test("a longer service time means fewer requests/s per slot", () => {
    const result = simulate(world(), [row("zanzibar")], { serviceTimeMs: 250 });
    close(siteOf(result, "znz").capacityRps, 600, "150 × 1000 / 250");
  });
});

describe("scale", () => {
  test("result(scale) multiplies every rate: a count of requests becomes requests/s", () => {
    const simulator = createSimulator(world("dar=down"), OPTIONS);
    for (const r of [
      row("zanzibar", 30),
      row("darEsSalaam", 10),
      row("london", 20, { host: "nope.example" }),
    ])
      simulator.add(r);
    const once = simulator.result();
    const tenth = simulator.result(0.1);
    close(tenth.rps, once.rps / 10, "total");
    close(siteOf(tenth, "znz").rps, 4, "znz");
    close(tenth.unserved[0]?.rps ?? 0, 2, "unknown host");
    assert.deepEqual(
      tenth.flows.map((f) => f.rps.toFixed(6)),
      once.flows.map((f) => (f.rps / 10).toFixed(6)),
    );
  });
});

describe("rows no plan routes", () => {
  test("a host no service serves is unserved as unknown_host", () => {
    const result = run("", [row("london", 10, { host: "nope.example.org" })]);
    assert.deepEqual(
      result.unserved.map((u) => [u.code, u.rps]),
      [["unknown_host", 10]],
    );
  });

  test("a row of unknown location is no_ingress, unless a default ingress is given", () => {
    const nowhere: MixRow = {
      group: "?",
      client: { country: "GB" } as ClientLocation,
      host: "app.example.net",
      path: "/",
      rps: 5,
    };
    assert.deepEqual(
      run("", [nowhere]).unserved.map((u) => [u.code, u.rps]),
      [["no_ingress", 5]],
    );
    const given = simulate(world(), [nowhere], { ...OPTIONS, defaultIngress: "lhr" });
    assert.deepEqual(flowsOf(given, "?"), ["lhr primary 5.0"]);
  });

  test("a row's own ingress is used while it announces; once it is down, anycast decides", () => {
    const atFra = row("london", 10, { ingress: "fra" });
    assert.equal(run("", [atFra]).flows[0]?.ingress, "fra");
    assert.equal(run("fra=down", [atFra]).flows[0]?.ingress, "lhr");
  });

  test("a negative, infinite or NaN rate is ignored, not summed", () => {
    const result = run("", [row("london", -1), row("london", Number.NaN), row("london", Infinity)]);
    assert.equal(result.rows, 0);
    assert.equal(result.rps, 0);
  });

  test("groups beyond maxGroups are summed as one 'other' group", () => {
    const result = simulate(world(), [row("london"), row("paris"), row("tokyo")], {
      ...OPTIONS,
      maxGroups: 2,
    });
    assert.deepEqual(
      [...new Set(result.flows.map((f) => f.group))].sort(),
      [OTHER_GROUP, "london", "paris"].sort(),
    );
    assert.equal(result.groupsCapped, true);
  });
});
