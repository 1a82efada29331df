import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { boundedLines, type LineItem } from "./bounded-lines.ts";
import { splitCsvLine } from "./csv-line.ts";

async function lines(chunks: string[], max = 10): Promise<LineItem[]> {
  const out: LineItem[] = [];
  async function* source() {
    yield* chunks;
  }
  for await (const batch of boundedLines(source(), max)) out.push(...batch);
  return out;
}

describe("bounded lines", () => {
  const cases: [string, string[], LineItem[]][] = [
    [
      "lines split across chunks join up",
      ["ab", "c\nd", "e\n"],
      [
        { number: 1, text: "abc" },
        { number: 2, text: "de" },
      ],
    ],
    [
      "a last line without a newline still counts",
      ["a\nb"],
      [
        { number: 1, text: "a" },
        { number: 2, text: "b" },
      ],
    ],
    [
      "CRLF and a byte-order mark are taken off",
      ["\ufeffa\r\nb\r\n"],
      [
        { number: 1, text: "a" },
        { number: 2, text: "b" },
      ],
    ],
    [
      "an empty line keeps its number",
      ["a\n\nb\n"],
      [
        { number: 1, text: "a" },
        { number: 2, text: "" },
        { number: 3, text: "b" },
      ],
    ],
    [
      "a line over the bound is reported, not kept",
      ["0123456789AB\nok\n"],
      [
        { number: 1, tooLong: true },
        { number: 2, text: "ok" },
      ],
    ],
    [
      "a long line growing over chunks is dropped as it arrives",
      ["01234", "56789", "ABCDE", "F\nok"],
      [
        { number: 1, tooLong: true },
        { number: 2, text: "ok" },
      ],
    ],
    [
      "a long last line without a newline is reported",
      ["ok\n", "0123456789ABCDEF"],
      [
        { number: 1, text: "ok" },
        { number: 2, tooLong: true },
      ],
    ],
  ];
  for (const [name, chunks, expected] of cases)
    test(name, async () => assert.deepEqual(await lines(chunks), expected));
});

describe("one CSV line", () => {
  const cases: [string, string, string[] | undefined][] = [
    ["plain fields split on commas", "a,b,c", ["a", "b", "c"]],
    ["empty fields stay, at the end too", "a,,c,", ["a", "", "c", ""]],
    ["a quoted field may hold commas", '"a,b",c', ["a,b", "c"]],
    ["two quotes inside quotes are one", '"say ""hi""",x', ['say "hi"', "x"]],
    ["an empty quoted field", '"",x', ["", "x"]],
    ["an open quote is refused", '"abc,d', undefined],
    ["text after a closing quote is refused", '"ab"c,d', undefined],
  ];
  for (const [name, line, expected] of cases)
    test(name, () => assert.deepEqual(splitCsvLine(line), expected));
});
