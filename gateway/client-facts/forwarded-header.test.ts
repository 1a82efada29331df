// Pure parsing of the two proxy headers: one table each.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type ForwardedNode, forwardedForNodes, xForwardedForNodes } from "./forwarded-header.ts";

const xffCases: readonly [string, string, ForwardedNode[]][] = [
  ["a single address is one node", "203.0.113.7", ["203.0.113.7"]],
  [
    "a chain is read left to right, trimmed",
    "203.0.113.7 ,10.0.0.1,  10.0.0.2",
    ["203.0.113.7", "10.0.0.1", "10.0.0.2"],
  ],
  [
    "repeated header lines joined by Node read as one list",
    "203.0.113.7, 10.0.0.1, 10.0.0.2",
    ["203.0.113.7", "10.0.0.1", "10.0.0.2"],
  ],
  ["empty list elements are dropped", ", 203.0.113.7,,10.0.0.1, ", ["203.0.113.7", "10.0.0.1"]],
  ["an empty header has no nodes", "", []],
  ["garbage is passed on as written", "unknown, ::1", ["unknown", "::1"]],
];

for (const [name, header, expected] of xffCases) {
  test(`X-Forwarded-For: ${name}`, () => {
    assert.deepEqual(xForwardedForNodes(header), expected);
  });
}

const forwardedCases: readonly [string, string, ForwardedNode[]][] = [
  ["a for= token is its node", "for=192.0.2.60;proto=http;by=203.0.113.43", ["192.0.2.60"]],
  [
    "a quoted IPv6 node with a port is unquoted",
    'for="[2001:db8:cafe::17]:4711"',
    ["[2001:db8:cafe::17]:4711"],
  ],
  [
    "elements are separated by commas, left to right",
    'for=192.0.2.43, for="[2001:db8:cafe::17]", for=unknown',
    ["192.0.2.43", "[2001:db8:cafe::17]", "unknown"],
  ],
  ["parameter names are case-insensitive", "For=192.0.2.43;PROTO=https", ["192.0.2.43"]],
  [
    "a comma inside a quoted string does not split",
    'for="a,b";by=x, for=1.2.3.4',
    ["a,b", "1.2.3.4"],
  ],
  ["escapes in a quoted string are undone", 'for="\\"x\\""', ['"x"']],
  ["an element without for= has no node", "proto=https, for=1.2.3.4", [undefined, "1.2.3.4"]],
  ["an element with two for= has no node", "for=1.2.3.4;for=5.6.7.8", [undefined]],
  [
    "a pair without = breaks its element",
    "for=1.2.3.4;secure, for=5.6.7.8",
    [undefined, "5.6.7.8"],
  ],
  ["an unterminated quote breaks the rest", 'for=1.2.3.4, for="[::1]:80', ["1.2.3.4", undefined]],
  ["a token with a space in it is no node", "for=1.2.3.4 5", [undefined]],
  ["empty elements are dropped", ",for=1.2.3.4,,", ["1.2.3.4"]],
  ["an empty header has no nodes", "", []],
];

for (const [name, header, expected] of forwardedCases) {
  test(`Forwarded: ${name}`, () => {
    assert.deepEqual(forwardedForNodes(header), expected);
  });
}
