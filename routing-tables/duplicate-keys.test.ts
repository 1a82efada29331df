import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDocument } from "yaml";
import { duplicateKeyOffsets } from "./duplicate-keys.ts";

/** The text at each offset found, up to the end of its line. */
function found(text: string): string[] {
  const document = parseDocument(text, { uniqueKeys: false });
  return duplicateKeyOffsets(document).map((at) => text.slice(at).split("\n")[0] ?? "");
}

const rows: { name: string; text: string; found: string[] }[] = [
  { name: "a map with distinct keys has no duplicate", text: "a: 1\nb: 2\n", found: [] },
  {
    name: "the second of two equal keys is the duplicate",
    text: "a: 1\nb: 2\na: 3\n",
    found: ["a: 3"],
  },
  {
    name: "the same key in two maps is no duplicate",
    text: "x: { a: 1 }\ny: { a: 2 }\n",
    found: [],
  },
  {
    name: "a duplicate inside a map inside a list is found",
    text: "sites:\n  - id: a\n    id: b\n",
    found: ["id: b"],
  },
  { name: "the number 1 and the string '1' are different keys", text: '1: a\n"1": b\n', found: [] },
  {
    name: "three equal keys are two duplicates",
    text: "a: 1\na: 2\na: 3\n",
    found: ["a: 2", "a: 3"],
  },
];

for (const row of rows) {
  test(row.name, () => {
    assert.deepEqual(found(row.text), row.found);
  });
}

test("nesting far deeper than any config is walked without recursion", () => {
  const depth = 5_000;
  const text = `${"[".repeat(depth)}{ a: 1, a: 2 }${"]".repeat(depth)}\n`;
  const document = parseDocument(text, { uniqueKeys: false });
  if (document.errors.length > 0) return; // the parser gave up first: nothing to walk
  assert.equal(duplicateKeyOffsets(document).length, 1);
});
