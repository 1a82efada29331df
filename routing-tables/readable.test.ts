import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { readable } from "./readable.ts";

const schema = z.strictObject({
  id: z.string().regex(/^[a-z]+$/),
  size: z.number().min(1).default(1),
  note: z.string().optional(),
  list: z.array(z.number().int()).optional(),
  byName: z.record(z.string().regex(/^[a-z]+$/), z.number()).optional(),
});

const rows: { name: string; value: unknown; reading: unknown }[] = [
  {
    name: "a value that passes is read whole, defaults filled",
    value: { id: "a" },
    reading: { id: "a", size: 1 },
  },
  {
    name: "a field given but unreadable is null; a field not given is absent or its default",
    value: { id: "A", list: [1] },
    reading: { id: null, size: 1, list: [1] },
  },
  {
    name: "a list is read item by item, a bad item a null hole",
    value: { id: "A", list: [1, 1.5, 2] },
    reading: { id: null, size: 1, list: [1, null, 2] },
  },
  {
    name: "a record is read entry by entry; an entry with a bad key is left out",
    value: { id: "A", byName: { ok: 1, Bad: 2, worse: "x" } },
    reading: { id: null, size: 1, byName: { ok: 1, worse: null } },
  },
  {
    name: "an unknown key fails the whole yet leaves every field readable",
    value: { id: "a", colour: "red" },
    reading: { id: "a", size: 1 },
  },
  {
    name: "a value of the wrong type entirely is null",
    value: [1, 2],
    reading: null,
  },
];

for (const row of rows) {
  test(row.name, () => {
    // Through JSON: records are read into objects without a prototype.
    assert.deepEqual(JSON.parse(JSON.stringify(readable(schema, row.value))), row.reading);
  });
}

test("a record key __proto__ is an entry like any other, not a prototype", () => {
  const record = z.record(z.string(), z.number());
  const read = readable(record, JSON.parse('{"__proto__": 1, "b": "x"}'));
  assert.deepEqual(Object.keys(read ?? {}), ["__proto__", "b"]);
  assert.equal(Object.getPrototypeOf(read), null);
});
