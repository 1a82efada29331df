// I/O: the override book over a real state directory (a temporary folder) and a routing state.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { catalogueSchema } from "../../routing-tables/catalogue-schema.ts";
import { policySchema } from "../../routing-tables/policy-schema.ts";
import { RoutingState } from "../state/routing-state.ts";
import { stateFile } from "../state/state-file.ts";
import { testSite } from "../testing/consul-world.ts";
import { eventually } from "../testing/fixtures.ts";
import { createOverrideBook, OVERRIDES_FILE, overridesFileSchema } from "./override-book.ts";

const catalogue = catalogueSchema.parse({
  sites: ["west", "hub", "east"].map((id, i) =>
    testSite(id, {
      longitude: i * 10,
      tier: id === "hub" ? "hub" : "edge",
      backends: ["127.0.0.1:9"],
    }),
  ),
});
const policy = policySchema.parse({ services: [{ name: "web", hosts: ["*"] }] });

function setup(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), "override-book-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const open = () => {
    const state = new RoutingState({ catalogue, policy });
    const book = createOverrideBook({
      state,
      file: stateFile(dir, OVERRIDES_FILE, overridesFileSchema),
      now: Date.now,
    });
    t.after(() => book.close());
    return { state, book };
  };
  return { dir, open };
}

const action = (change: { compromised?: boolean; draining?: boolean } | undefined, extra = {}) => ({
  change,
  who: "ops",
  why: "test",
  atMs: Date.now(),
  ...extra,
});

test("a book opened again starts from what the last one kept: fleet and local records both", (t) => {
  const { open } = setup(t);
  const first = open();
  first.book.absorbFleet({
    east: { flags: { compromised: true }, generation: 3, who: "a", atMs: 1, why: "" },
  });
  first.book.setLocal("west", action({ draining: true }));
  const again = open();
  assert.deepEqual(again.state.inputs.overrides, {
    east: { compromised: true },
    west: { draining: true },
  });
  assert.equal(again.book.generationOf("east"), 3);
});

test("a restore record clears a compromise; an older record does not", (t) => {
  const { open } = setup(t);
  const { state, book } = open();
  book.absorbFleet({
    east: { flags: { compromised: true }, generation: 3, who: "a", atMs: 1, why: "" },
  });
  book.absorbFleet({ east: { flags: {}, generation: 2, who: "b", atMs: 2, why: "stale" } });
  assert.deepEqual(state.inputs.overrides, { east: { compromised: true } });
  book.absorbFleet({ east: { flags: {}, generation: 4, who: "c", atMs: 3, why: "clean" } });
  assert.deepEqual(state.inputs.overrides, {});
});

test("a drain that expires is dropped at its expiry; the record stays in the book", async (t) => {
  const { open } = setup(t);
  const { state, book } = open();
  book.setLocal("east", action({ draining: true }, { expiresAtMs: Date.now() + 150 }));
  assert.deepEqual(state.inputs.overrides, { east: { draining: true } });
  await eventually(() => state.inputs.overrides.east === undefined, 5_000, "the drain to lapse");
  assert.equal(book.local().east?.flags.draining, true);
});

test("a kept file that does not validate is moved aside: the book starts empty and says why", (t) => {
  const { dir } = setup(t);
  writeFileSync(join(dir, OVERRIDES_FILE), '{"version": 1, "fleet": "oops"}');
  const told: string[] = [];
  const state = new RoutingState({ catalogue, policy });
  const book = createOverrideBook({
    state,
    file: stateFile(dir, OVERRIDES_FILE, overridesFileSchema),
    now: Date.now,
    onStart: (how) => told.push(how),
  });
  t.after(() => book.close());
  assert.deepEqual(told, ["corrupt"]);
  assert.deepEqual(state.inputs.overrides, {});
});

test("the file is written before the routing state changes", (t) => {
  const { dir, open } = setup(t);
  const { state, book } = open();
  let kept = "";
  state.subscribe(() => {
    kept = readFileSync(join(dir, OVERRIDES_FILE), "utf8");
  });
  book.setLocal("east", action({ compromised: true }));
  assert.match(kept, /"compromised": true/);
});
