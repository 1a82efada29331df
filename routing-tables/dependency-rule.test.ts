/**
 * DESIGN.md's dependency rule, enforced: routing-tables/ imports nothing from the other
 * folders; health/ imports only types from routing-tables/; loadtests/ and deploy/ stand
 * alone (they talk to the gateway over HTTP or run its command); inside gateway/ the folders
 * form no import cycle, and the product imports none of its consumers (demo/, bench/,
 * testing/).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";

const ROOT = join(import.meta.dirname, "..");
const IMPORT = /^\s*(import|export)\s+(type\s+)?[^;]*?from\s+["']([^"']+)["']/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

interface Crossing {
  readonly file: string;
  /** The imported module, relative to the repository root. */
  readonly target: string;
  readonly typeOnly: boolean;
}

function sources(folder: string): string[] {
  const dir = join(ROOT, folder);
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.includes("node_modules"))
    .map((f) => join(dir, f));
}

/** Every relative import (static or dynamic) of the folder's files. */
function imports(folder: string): Crossing[] {
  const out: Crossing[] = [];
  for (const file of sources(folder)) {
    const text = readFileSync(file, "utf8");
    const found: [string, boolean][] = [
      ...[...text.matchAll(IMPORT)].map((m): [string, boolean] => [m[3] ?? "", m[2] !== undefined]),
      ...[...text.matchAll(DYNAMIC_IMPORT)].map((m): [string, boolean] => [m[1] ?? "", false]),
    ];
    for (const [target, typeOnly] of found) {
      if (!target.startsWith(".")) continue;
      out.push({
        file: relative(ROOT, file),
        target: relative(ROOT, join(file, "..", target)),
        typeOnly,
      });
    }
  }
  return out;
}

const topOf = (path: string) => path.split(/[\\/]/)[0] ?? "";
const isTest = (file: string) =>
  file.endsWith(".test.ts") || file.includes("/testing/") || file.includes("/test/");
const leaving = (folder: string) => imports(folder).filter((c) => topOf(c.target) !== folder);
const describe = (list: readonly Crossing[]) => list.map((c) => `${c.file} → ${c.target}`);

test("routing-tables imports nothing from the other folders", () => {
  assert.deepEqual(describe(leaving("routing-tables")), []);
});

test("health imports only types, and only from routing-tables", () => {
  // The rule is about the product's modules: health's tests may build data with routing-tables.
  const wrong = leaving("health").filter(
    (c) => !isTest(c.file) && (topOf(c.target) !== "routing-tables" || !c.typeOnly),
  );
  assert.deepEqual(describe(wrong), []);
});

test("loadtests and deploy stand alone: they import nothing from the other folders", () => {
  assert.deepEqual(describe([...leaving("loadtests"), ...leaving("deploy")]), []);
});

/** The folder of gateway/ a path is in: `gateway/server/x.ts` → `server`; top-level files → `.`. */
function gatewayFolder(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts.length > 2 ? (parts[1] ?? ".") : ".";
}

/** Edges folder → folder between gateway/'s folders (tests and consumers left out). */
function gatewayEdges(): Map<string, Set<string>> {
  const edges = new Map<string, Set<string>>();
  for (const c of imports("gateway")) {
    if (isTest(c.file) || topOf(c.target) !== "gateway") continue;
    const from = gatewayFolder(c.file);
    const to = gatewayFolder(c.target);
    if (from === to || CONSUMERS.has(from)) continue;
    const set = edges.get(from) ?? new Set<string>();
    set.add(to);
    edges.set(from, set);
  }
  return edges;
}

/** gateway/'s consumers: they may import the product; the product may not import them. */
const CONSUMERS = new Set(["demo", "bench", "testing"]);

/** A cycle in the graph, as the list of its nodes, or undefined (depth-first search). */
export function findCycle(edges: ReadonlyMap<string, ReadonlySet<string>>): string[] | undefined {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    const at = path.indexOf(node);
    if (at >= 0) return [...path.slice(at), node];
    if (done.has(node)) return undefined;
    path.push(node);
    for (const next of edges.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(node);
    return undefined;
  };
  for (const node of edges.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

test("the folders of gateway/ import each other without a cycle", () => {
  const cycle = findCycle(gatewayEdges());
  assert.equal(cycle?.join(" → "), undefined);
});

test("the product imports none of gateway/'s consumers (demo, bench, testing)", () => {
  const wrong = imports("gateway").filter(
    (c) =>
      !isTest(c.file) &&
      !CONSUMERS.has(gatewayFolder(c.file)) &&
      topOf(c.target) === "gateway" &&
      CONSUMERS.has(gatewayFolder(c.target)),
  );
  assert.deepEqual(describe(wrong), []);
});

test("the cycle finder finds a cycle, and none where there is none (so the test above can fail)", () => {
  const graph = (pairs: [string, string][]) => {
    const map = new Map<string, Set<string>>();
    for (const [a, b] of pairs) map.set(a, (map.get(a) ?? new Set()).add(b));
    return map;
  };
  assert.deepEqual(
    findCycle(
      graph([
        ["server", "state"],
        ["state", "forward"],
        ["forward", "server"],
      ]),
    ),
    ["server", "state", "forward", "server"],
  );
  assert.equal(
    findCycle(
      graph([
        ["server", "state"],
        ["server", "forward"],
        ["state", "forward"],
      ]),
    ),
    undefined,
  );
});

test("the rule's own scanner sees a crossing import (so the tests above can fail)", () => {
  assert.ok(
    leaving("gateway").some((c) => topOf(c.target) === "routing-tables"),
    "gateway imports routing-tables",
  );
});
