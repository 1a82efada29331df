import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { readScenario, stateStep } from "./scenario.ts";

const SITES = new Set(["dar", "znz", "cdg", "fra"]);

function scenario(t: TestContext, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "gateway-scenario-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "scenario.yaml");
  writeFileSync(path, text);
  return path;
}

test("steps add to the ones before, over --state; healthy restores a site", (t) => {
  const path = scenario(
    t,
    `steps:\n  - name: dar fails\n    state: dar=down\n  - name: cdg degrades\n    state: { cdg: "degraded:0.4" }\n  - name: dar is back\n    state: dar=healthy\n`,
  );
  const base = stateStep("fra=draining", SITES);
  assert.ok(base.ok);
  const read = readScenario(path, SITES, base.steps[0]?.states);
  assert.ok(read.ok, JSON.stringify(read));
  assert.deepEqual(
    read.steps.map((s) => [
      s.name,
      Object.entries(s.states).map(([id, st]) => `${id}=${st.state}`),
    ]),
    [
      ["dar fails", ["fra=draining", "dar=down"]],
      ["cdg degrades", ["fra=draining", "dar=down", "cdg=degraded"]],
      ["dar is back", ["fra=draining", "dar=healthy", "cdg=degraded"]],
    ],
  );
});

test("errors name the file, line and column of the step", (t) => {
  const path = scenario(
    t,
    `steps:\n  - name: ok\n    state: dar=down\n  - name: bad\n    state: xyz=down\n`,
  );
  const read = readScenario(path, SITES);
  assert.equal(read.ok, false);
  assert.deepEqual(!read.ok && read.errors.map((e) => [e.line, e.path, e.message]), [
    [5, "steps[1].state", '"xyz": no such site'],
  ]);
});

test("the schema is strict and bounded: an unknown key, no steps, a missing file", (t) => {
  const unknown = readScenario(
    scenario(t, `steps:\n  - name: a\n    state: dar=down\n    when: later\n`),
    SITES,
  );
  assert.equal(!unknown.ok && unknown.errors[0]?.message, "unknown key");
  assert.equal(readScenario(scenario(t, "steps: []\n"), SITES).ok, false);
  assert.equal(readScenario("/nonexistent/scenario.yaml", SITES).ok, false);
});

test("an empty --state is one step, as configured", () => {
  assert.deepEqual(stateStep("", SITES), {
    ok: true,
    steps: [{ name: "as configured", states: {} }],
  });
});
