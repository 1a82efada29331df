// `gateway diff` through the real bin on the reference world and the demo places.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { REFERENCE_POLICY } from "../config/config-files.ts";
import { gatewayCli, scratchDir } from "../testing/run-cli.ts";

/** The reference policy with the Tanzania pin's order changed to dxb first. */
function dubaiFirst(t: TestContext): string {
  const dir = scratchDir(t, "gateway-diff-");
  const text = readFileSync(REFERENCE_POLICY, "utf8");
  const changed = text.replace("sites: [dar, znz, dxb]", "sites: [dxb, dar, znz]");
  assert.notEqual(changed, text);
  const file = join(dir, "policy.yaml");
  writeFileSync(file, changed);
  return file;
}

test("the reference policy against itself: nothing moves, exit 0", () => {
  const { code, out, err } = gatewayCli([
    "diff",
    "--from",
    REFERENCE_POLICY,
    "--to",
    REFERENCE_POLICY,
  ]);
  assert.equal(code, 0, err);
  assert.equal(
    out.trim(),
    "No traffic moves: both sides route these 2300.0 requests/s the same way.",
  );
});

test("a changed pin moves Dar es Salaam from dar to dxb: listed with both sides' reasons, exit 3", (t) => {
  const { code, out } = gatewayCli(["diff", "--from", REFERENCE_POLICY, "--to", dubaiFirst(t)]);
  assert.equal(code, 3);
  assert.match(out, /^~ Dar es Salaam · web: 100\.0 of 100\.0 requests\/s move \(100\.0%\)$/m);
  assert.match(out, /^ {4}dar → dxb {2}100\.0\/s$/m);
  assert.match(out, /^ {6}was: pin \(geo pin, position 1\)$/m);
  assert.match(
    out,
    /^1 client group\(s\) move: 100\.0 of 2300\.0 requests\/s \(4\.3%\) change site\.$/m,
  );
});

test("--json gives the moves and the site loads; under dar=down the same change moves Dar es Salaam from znz to dxb", (t) => {
  const to = dubaiFirst(t);
  const healthy = JSON.parse(
    gatewayCli(["diff", "--from", REFERENCE_POLICY, "--to", to, "--json"]).out,
  );
  assert.deepEqual(healthy.sites, [
    { site: "dar", beforeRps: 200, afterRps: 100 },
    { site: "dxb", beforeRps: 200, afterRps: 300 },
  ]);
  const darDown = gatewayCli([
    "diff",
    "--from",
    REFERENCE_POLICY,
    "--to",
    to,
    "--state",
    "dar=down",
    "--json",
  ]);
  assert.equal(darDown.code, 3);
  const moves = JSON.parse(darDown.out).groups.flatMap(
    (g: { moves: { from: string; to: string }[] }) => g.moves,
  );
  assert.deepEqual(
    moves.map((m: { from: string; to: string }) => `${m.from}→${m.to}`),
    ["znz→dxb"],
  );
});

test("no --to is exit 2; an invalid policy is exit 1 with its error located", (t) => {
  assert.equal(gatewayCli(["diff", "--from", REFERENCE_POLICY]).code, 2);
  const dir = scratchDir(t, "gateway-diff-");
  const bad = join(dir, "bad.yaml");
  writeFileSync(bad, "services:\n  - name: web\n    hosts: [a.example]\n    steering: sideways\n");
  const { code, err } = gatewayCli(["diff", "--from", REFERENCE_POLICY, "--to", bad]);
  assert.equal(code, 1);
  assert.match(err, new RegExp(`^${bad}:4:\\d+: services\\[0\\]\\.steering: `, "m"));
});
