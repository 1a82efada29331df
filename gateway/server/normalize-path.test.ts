// Pure: the canonical request path, as a table of what a client sends and what the router
// and the upstream then see (or why it is refused).
import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_PATH_RULES, normalizePath, type PathRules } from "./normalize-path.ts";

const KEEP: PathRules = { ...DEFAULT_PATH_RULES, escapedSlashes: "keep" };
const NO_MERGE: PathRules = { ...DEFAULT_PATH_RULES, mergeSlashes: false };
const RAW: PathRules = { normalize: false, mergeSlashes: false, escapedSlashes: "reject" };

const normalized: readonly [string, string, string, PathRules?][] = [
  ["a plain path is kept", "/private/secret", "/private/secret"],
  ["a .. segment climbs one level", "/x/../private/secret", "/private/secret"],
  ["a . segment goes", "/./private/secret", "/private/secret"],
  ["doubled slashes merge", "//private//secret", "/private/secret"],
  ["an encoded unreserved letter is decoded", "/%70rivate/secret", "/private/secret"],
  ["encoded dots are decoded, then removed as a segment", "/x/%2e%2E/private", "/private"],
  ["a .. above the root stays at the root", "/../../private", "/private"],
  ["a trailing .. leaves a trailing slash", "/a/b/..", "/a/"],
  ["a reserved character keeps its encoding, with upper-case hex", "/a%3fb%2a", "/a%3Fb%2A"],
  ["the query is not touched", "/a/../b?x=/../y&%70=1", "/b?x=/../y&%70=1"],
  ["a dotted file name is not a dot segment", "/a/.well-known/..x", "/a/.well-known/..x"],
  ["an encoded slash is kept encoded when told to keep it", "/a%2fb/../c", "/c", KEEP],
  ["an encoded slash kept is not a separator", "/a%2F..%2Fb", "/a%2F..%2Fb", KEEP],
  ["slashes stay doubled when merging is off", "//a//./b", "//a//b", NO_MERGE],
  ["without normalising, dot segments pass as sent", "/x/../%70", "/x/../%70", RAW],
];

for (const [name, target, expected, rules] of normalized) {
  test(`${name}: ${target} → ${expected}`, () => {
    assert.deepEqual(normalizePath(target, rules), { ok: true, path: expected });
  });
}

const refused: readonly [string, string, RegExp, PathRules?][] = [
  ["an encoded slash", "/private%2Fsecret", /encoded \//],
  ["an encoded backslash", "/private%5csecret", /encoded \//],
  ["a raw backslash", "/private\\secret", /\\/],
  ["an encoded NUL", "/a%00b", /NUL/],
  ["a % without two hex digits", "/a%zzb", /hex/],
  ["a % at the end", "/a%", /hex/],
  ["a % with one hex digit at the end", "/a%4", /hex/],
  ["a fragment", "/a#b", /fragment/],
  ["an encoded NUL even when slashes are kept", "/a%00", /NUL/, KEEP],
  ["an encoded slash even without normalising", "/a%2Fb", /encoded \//, RAW],
];

for (const [name, target, why, rules] of refused) {
  test(`${name} is refused: ${JSON.stringify(target)}`, () => {
    const result = normalizePath(target, rules);
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.detail, why);
  });
}

test("normalising twice changes nothing more (idempotent) over a corpus of awkward paths", () => {
  const corpus = [
    "/a/./b/../../c//d",
    "/%2e%2e/%2E/x",
    "/a%7eb/%7E",
    "/..%2e/x",
    "/a/b/c/../../..",
  ];
  for (const target of corpus) {
    const once = normalizePath(target);
    assert.ok(once.ok, target);
    if (once.ok) assert.deepEqual(normalizePath(once.path), once, target);
  }
});
