// Look-ups over crafted files that skip the open-time check (boundedTree alone): the second
// wall must hold by itself. Files are written byte by byte (gateway/testing/mmdb-bytes.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { encode, mmdbFile, pointer, pointerBomb } from "../testing/mmdb-bytes.ts";
import { boundedTree } from "./bounded-lookup.ts";
import { createGeoCache } from "./geo-cache.ts";

test("a look-up in a pointer bomb of 2^40 values ends as no record, with its network's prefix", () => {
  const { data, record } = pointerBomb(40);
  const tree = boundedTree(mmdbFile(data, record));
  assert.deepEqual(tree.lookup("1.2.3.4"), [null, 1]);
  assert.equal(tree.failures(), 1);
});

test("a look-up of a record that points to itself ends as no record, not a stack overflow", () => {
  const tree = boundedTree(mmdbFile(encode({ self: pointer(0) }), 0));
  assert.deepEqual(tree.lookup("1.2.3.4"), [null, 1]);
  assert.equal(tree.failures(), 1);
});

test("a bad record is remembered: later look-ups of it answer at once, without failing again", () => {
  const { data, record } = pointerBomb(40);
  const tree = boundedTree(mmdbFile(data, record));
  for (const address of ["1.2.3.4", "5.6.7.8", "100.1.1.1"])
    assert.deepEqual(tree.lookup(address), [null, 1]);
  assert.equal(tree.failures(), 1);
});

test("a sound record still answers, and an empty network is no record without a failure", () => {
  const tree = boundedTree(mmdbFile(encode({ country: { iso_code: "TZ" } }), 0));
  assert.deepEqual(tree.lookup("1.2.3.4"), [{ country: { iso_code: "TZ" } }, 1]);
  assert.deepEqual(tree.lookup("200.1.1.1"), [null, 1]);
  assert.equal(tree.failures(), 0);
});

test("a failed look-up is cached per network as location unknown: one decode for the whole network", () => {
  const { data, record } = pointerBomb(40);
  const tree = boundedTree(mmdbFile(data, record));
  const locateNetwork = (address: string) => {
    const [found, prefixLength] = tree.lookup(address);
    return { location: found ? { country: "??" } : {}, prefixLength };
  };
  const cache = createGeoCache({ locateNetwork, locate: (a) => locateNetwork(a).location });
  assert.deepEqual(cache.locate("1.2.3.4"), {});
  assert.deepEqual(cache.locate("9.9.9.9"), {});
  assert.deepEqual(cache.stats(), { hits: 1, misses: 1, size: 1 });
  assert.equal(tree.failures(), 1);
});
