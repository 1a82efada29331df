import assert from "node:assert/strict";
import { test } from "node:test";
import type { ConfigError } from "./config-error.ts";
import { errorList, errorTotal } from "./error-list.ts";

const error = (file: string, line: number): ConfigError => ({
  file,
  line,
  column: 1,
  path: "",
  message: `at ${line}`,
});

/** Lines 1..n of `file`, in a shuffled order (a fixed permutation, so the test is repeatable). */
function shuffled(file: string, n: number): ConfigError[] {
  const out: ConfigError[] = [];
  for (let i = 0; i < n; i++) out.push(error(file, ((i * 7919) % n) + 1));
  return out;
}

const rows: {
  name: string;
  max: number;
  errors: ConfigError[];
  listed: string[];
  more?: { count: number; file: string };
}[] = [
  {
    name: "no errors give an empty list",
    max: 3,
    errors: [],
    listed: [],
  },
  {
    name: "as many errors as the cap are all listed, in order, with no count",
    max: 3,
    errors: [error("a", 3), error("a", 1), error("a", 2)],
    listed: ["a:1", "a:2", "a:3"],
  },
  {
    name: "one error over the cap is counted as 1 more, not listed",
    max: 3,
    errors: [error("a", 4), error("a", 3), error("a", 1), error("a", 2)],
    listed: ["a:1", "a:2", "a:3"],
    more: { count: 1, file: "a" },
  },
  {
    name: "of 1,000 shuffled errors the first 5 by line are listed and 995 counted",
    max: 5,
    errors: shuffled("a", 1000),
    listed: ["a:1", "a:2", "a:3", "a:4", "a:5"],
    more: { count: 995, file: "a" },
  },
  {
    name: "errors of two files list the first file's first, and the count names the files cut",
    max: 2,
    errors: [error("b", 1), error("a", 9), error("b", 2), error("a", 1), error("a", 5)],
    listed: ["a:1", "a:5"],
    more: { count: 3, file: "a, b" },
  },
];

for (const row of rows) {
  test(row.name, () => {
    const list = errorList(row.max);
    for (const e of row.errors) list.add(e);
    const out = list.list();
    const listed = out.filter((e) => e.more === undefined);
    assert.deepEqual(
      listed.map((e) => `${e.file}:${e.line}`),
      row.listed,
    );
    const last = out.at(-1);
    if (row.more) {
      assert.equal(last?.more, row.more.count);
      assert.equal(last?.file, row.more.file);
      assert.match(last?.message ?? "", new RegExp(`^${row.more.count} more errors? not listed`));
    } else {
      assert.equal(last?.more, undefined);
    }
    assert.equal(list.count(), row.errors.length);
    assert.equal(errorTotal(out), row.errors.length);
  });
}

test("a cap below 1 is refused", () => {
  assert.throws(() => errorList(0), RangeError);
});
