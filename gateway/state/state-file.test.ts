// I/O: the state directory's documents, on a real temporary folder.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { z } from "zod";
import { stateFile } from "./state-file.ts";

const schema = z.object({ n: z.number() });

function folder(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), "state-file-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test("a document never written reads as missing; one written reads back", (t) => {
  const dir = join(folder(t), "not-yet");
  const file = stateFile(dir, "x.json", schema);
  assert.deepEqual(file.read(), { kind: "missing" });
  file.write({ n: 3 });
  assert.deepEqual(file.read(), { kind: "read", value: { n: 3 } });
  assert.deepEqual(readdirSync(dir), ["x.json"], "no temporary file left behind");
});

test("a document that does not validate is moved aside and reported, never read as empty", (t) => {
  const dir = folder(t);
  writeFileSync(join(dir, "x.json"), '{"n": "three"}');
  const read = stateFile(dir, "x.json", schema, () => 42).read();
  assert.equal(read.kind, "corrupt");
  assert.ok(existsSync(join(dir, "x.json.corrupt-42")));
  assert.equal(existsSync(join(dir, "x.json")), false);
});

test("a write replaces the document whole", (t) => {
  const dir = folder(t);
  const file = stateFile(dir, "x.json", schema);
  file.write({ n: 1 });
  file.write({ n: 2 });
  assert.deepEqual(JSON.parse(readFileSync(join(dir, "x.json"), "utf8")), { n: 2 });
});
