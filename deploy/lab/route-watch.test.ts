import assert from "node:assert/strict";
import { test } from "node:test";
import { routeLine } from "./route-watch.ts";

const VIP = "203.0.113.10";

test("ip monitor lines about the VIP become its next hop; others are ignored", () => {
  const table: [string, string | null, string | null | undefined][] = [
    [
      "203.0.113.10 via 198.51.100.12 dev lan proto bird metric 32",
      "198.51.100.11",
      "198.51.100.12",
    ],
    ["Deleted 203.0.113.10 via 198.51.100.11 dev lan proto bird metric 32", "198.51.100.11", null],
    // The old path deleted after the new one is in: the route stays on the new one.
    [
      "Deleted 203.0.113.10 via 198.51.100.11 dev lan proto bird metric 32",
      "198.51.100.12",
      "198.51.100.12",
    ],
    ["192.0.2.0/30 via 198.51.100.1 dev lan", "198.51.100.11", undefined],
    ["203.0.113.100 via 198.51.100.13 dev lan", "198.51.100.11", undefined],
    ["local 203.0.113.10 dev lo table local proto kernel", "198.51.100.11", undefined],
  ];
  for (const [line, current, expected] of table)
    assert.equal(routeLine(line, VIP, current), expected, line);
});
