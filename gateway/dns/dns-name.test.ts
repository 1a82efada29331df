import assert from "node:assert/strict";
import { test } from "node:test";
import { isAtOrBelow, namesBetween, normalizeQname } from "./dns-name.ts";

const normalizeRows: [name: string, qname: string, expected: string | undefined][] = [
  ["a name with its trailing dot loses it", "www.example.test.", "www.example.test"],
  ["capitals are folded to lowercase", "WWW.Example.TEST.", "www.example.test"],
  ["a name without a trailing dot is kept", "www.example.test", "www.example.test"],
  ["the root is the empty name", ".", ""],
  ["an escaped octet is no name of ours", "a\\032b.example.test.", undefined],
  ["an escaped dot is no name of ours", "a\\.b.example.test.", undefined],
  ["an empty label is no name", "www..example.test.", undefined],
  ["a name over 253 characters is no name", `${"a.".repeat(127)}test.`, undefined],
];

for (const [name, qname, expected] of normalizeRows) {
  test(`normalizeQname: ${name}`, () => assert.equal(normalizeQname(qname), expected));
}

const belowRows: [name: string, qname: string, zone: string, expected: boolean][] = [
  ["the apex is at its zone", "example.test", "example.test", true],
  ["a child is below its zone", "www.example.test", "example.test", true],
  [
    "a name ending in the zone's text without a dot is not below it",
    "badexample.test",
    "example.test",
    false,
  ],
  ["the parent of the apex is not below it", "test", "example.test", false],
];

for (const [name, qname, zone, expected] of belowRows) {
  test(`isAtOrBelow: ${name}`, () => assert.equal(isAtOrBelow(qname, zone), expected));
}

test("namesBetween lists the names between a name and its zone, nearest first", () => {
  assert.deepEqual(namesBetween("a.b.c.example.test", "example.test"), [
    "b.c.example.test",
    "c.example.test",
  ]);
  assert.deepEqual(namesBetween("www.example.test", "example.test"), []);
});
