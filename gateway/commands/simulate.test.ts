// `gateway simulate` through the real bin (node gateway/cli.ts) on the reference world and the
// demo places, and through simulateCommand for the SVG and the exit rule.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { Simulation } from "../../routing-tables/simulation.ts";
import { gatewayCli, scratchDir } from "../testing/run-cli.ts";
import { simulateCommand, simulateExit } from "./simulate.ts";

interface StepJson extends Simulation {
  readonly step: string;
}

const siteRps = (step: StepJson | undefined, id: string) =>
  step?.sites.find((s) => s.site === id)?.rps;

test("the bin: dar down sends Dar es Salaam to znz, holds residency, and exits 0", () => {
  const { code, out, err } = gatewayCli(["simulate", "--state", "dar=down", "--json"]);
  assert.equal(code, 0, err);
  const answer = JSON.parse(out) as {
    residencyViolations: number;
    mix: { rows: number };
    steps: StepJson[];
  };
  assert.equal(answer.residencyViolations, 0);
  assert.equal(answer.mix.rows, 23, "the demo world's 23 places");
  const [step] = answer.steps;
  const dar = step?.flows.filter((f) => f.group === "Dar es Salaam");
  assert.deepEqual(
    dar?.map((f) => [f.site, f.kind, f.rps]),
    [["znz", "failover", 100]],
  );
  assert.equal(siteRps(step, "dar"), 0);
  assert.ok((siteRps(step, "znz") ?? 0) >= 200, "Zanzibar and Dar es Salaam at least");
});

test("the bin: the table names every site, the flows and the residency verdict", () => {
  const { code, out } = gatewayCli([
    "simulate",
    "--state",
    "cdg=degraded:0.4,dar=down,gru=compromised,fra=draining",
  ]);
  assert.equal(code, 0);
  assert.match(out, /^== cdg=degraded:0\.4,dar=down,gru=compromised,fra=draining ==$/m);
  assert.match(out, /^cdg\s+Paris\s+edge\s+degraded 0\.40\s+112\.0\s+2000\.0\s+5\.6%$/m);
  assert.match(out, /^gru\s+São Paulo\s+edge\s+compromised\s+0\.0\s+0\.0\s+-$/m);
  assert.match(out, /^Paris\s+web\s+cdg\s+→ arn\s+spill\s+44\.0$/m);
  assert.match(out, /^residency violations: 0$/m);
  // fra draining withdraws: Frankfurt's clients arrive at cdg and keep 56 of its 100.
  assert.match(out, /^Frankfurt am Main\s+web\s+cdg\s+→ cdg\s+primary\s+56\.0$/m);
});

test("the bin: a CSV mix scaled by --total-rps puts znz over capacity", (t) => {
  const mix = join(scratchDir(t, "gateway-simulate-"), "mix.csv");
  writeFileSync(mix, "ip,rps\n198.51.100.161,3\n198.51.100.145,1\n");
  const { code, out, err } = gatewayCli([
    "simulate",
    "--mix",
    mix,
    "--total-rps",
    "2000",
    "--json",
  ]);
  assert.equal(code, 0, err);
  const [step] = (JSON.parse(out) as { steps: StepJson[] }).steps;
  const znz = step?.sites.find((s) => s.site === "znz");
  assert.equal(znz?.rps, 1500);
  assert.equal(siteRps(step, "dar"), 500);
  assert.equal(znz?.overCapacity, false, "1500 of 1500");
  const busier = JSON.parse(
    gatewayCli(["simulate", "--mix", mix, "--total-rps", "2400", "--json"]).out,
  ) as { steps: StepJson[] };
  assert.equal(busier.steps[0]?.sites.find((s) => s.site === "znz")?.overCapacity, true);
});

test("the bin: a scenario file runs its steps in order, each over the last", (t) => {
  const file = join(scratchDir(t, "gateway-simulate-"), "scenario.yaml");
  writeFileSync(
    file,
    "steps:\n  - name: dar fails\n    state: dar=down\n  - name: znz fails too\n    state: znz=down\n",
  );
  const { code, out, err } = gatewayCli(["simulate", "--scenario", file, "--json"]);
  assert.equal(code, 0, err);
  const steps = (JSON.parse(out) as { steps: StepJson[] }).steps;
  const darFlows = steps.map((s) =>
    s.flows.filter((f) => f.group === "Dar es Salaam").map((f) => f.site),
  );
  assert.deepEqual(
    steps.map((s) => s.step),
    ["dar fails", "znz fails too"],
  );
  assert.deepEqual(darFlows, [["znz"], ["dxb"]]);
});

test("the bin: bad input is exit 1, a wrong command line exit 2, each with a message", (t) => {
  const badState = gatewayCli(["simulate", "--state", "dar=gone"]);
  assert.equal(badState.code, 1);
  assert.match(badState.err, /dar: "gone"/);
  assert.equal(gatewayCli(["simulate", "--bogus"]).code, 2);
  assert.equal(gatewayCli(["simulate", "--service-time-ms", "0"]).code, 2);
  const empty = join(scratchDir(t, "gateway-simulate-"), "empty.csv");
  writeFileSync(empty, "ip\nnot-an-ip\n");
  const none = gatewayCli(["simulate", "--mix", empty]);
  assert.equal(none.code, 1);
  assert.match(none.err, /empty\.csv:2: ip: not an IP address/);
  assert.match(none.err, /no usable row/);
});

test("--svg writes one SVG with the utilisation and the flows", async (t) => {
  const svg = join(scratchDir(t, "gateway-simulate-"), "what-if.svg");
  const quiet = { out: () => {}, err: () => {} };
  assert.equal(await simulateCommand(["--state", "dar=down", "--svg", svg], quiet), 0);
  const text = readFileSync(svg, "utf8");
  assert.match(text, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  for (const label of ["Site utilisation", "znz Zanzibar", "Flows", "Dar es Salaam"])
    assert.ok(text.includes(label), label);
});

test("the exit rule: any residency violation in any step is exit 4", () => {
  const clean = { residencyViolations: [] } as unknown as Simulation;
  const breach = {
    residencyViolations: [
      { group: "g", service: "web", rule: "r", site: "fra", jurisdiction: "EU", rps: 1 },
    ],
  } as unknown as Simulation;
  assert.equal(simulateExit([clean, clean]), 0);
  assert.equal(simulateExit([clean, breach]), 4);
});
