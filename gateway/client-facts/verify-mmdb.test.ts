// The open-time check against crafted MaxMind DB files, written byte by byte by the test
// (gateway/testing/mmdb-bytes.ts) into a temporary folder; nothing is downloaded.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  dataSection,
  encode,
  type MmdbValue,
  mmdbFile,
  pointer,
  pointerBomb,
} from "../testing/mmdb-bytes.ts";
import { openClientLocator } from "./client-locator.ts";
import { MAX_DEPTH } from "./verify-mmdb.ts";

function write(t: { after: (fn: () => void) => void }, bytes: Buffer): string {
  const folder = mkdtempSync(join(tmpdir(), "mmdb-"));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const file = join(folder, "crafted.mmdb");
  writeFileSync(file, bytes);
  return file;
}

const CITY: MmdbValue = {
  country: { iso_code: "TZ", names: { en: "Tanzania" } },
  continent: { code: "AF" },
  location: { latitude: { double: -6.8 }, longitude: { double: 39.28 } },
};

test("a database the helper writes, with a City record, opens and answers (the helper is sound)", (t) => {
  const file = write(t, mmdbFile(encode(CITY), 0));
  const locator = openClientLocator(file);
  assert.deepEqual(locator.locateNetwork("1.2.3.4"), {
    location: { country: "TZ", continent: "AF", latitude: -6.8, longitude: 39.28 },
    prefixLength: 1,
  });
  assert.deepEqual(locator.locate("200.1.1.1"), {}, "the right half of the tree is empty");
});

test("a record whose pointers expand to 2^24 values is refused at open, not decoded at look-up", (t) => {
  // Regression (issue 11): the file passed, and one look-up stalled the gateway 10 s.
  const { data, record } = pointerBomb(24);
  const file = write(t, mmdbFile(data, record));
  assert.throws(() => openClientLocator(file), /crafted\.mmdb: .*expands to more than/);
});

test("a deeper pointer bomb (2^40 values) is refused as quickly, the check being linear", (t) => {
  const { data, record } = pointerBomb(40);
  const file = write(t, mmdbFile(data, record));
  assert.throws(() => openClientLocator(file), /expands to more than/);
});

test("a record that points to itself is refused at open (a look-up would never end)", (t) => {
  // Regression (issue 11): accepted, then every look-up in that network overflowed the stack.
  const file = write(t, mmdbFile(encode({ self: pointer(0) }), 0));
  assert.throws(() => openClientLocator(file), /a pointer cycle/);
});

test("a cycle through two records is refused too", (t) => {
  const first = encode({ next: pointer(100) });
  const { bytes } = dataSection([{ next: pointer(first.length) }, { back: pointer(0) }]);
  const file = write(t, mmdbFile(bytes, 0));
  assert.throws(() => openClientLocator(file), /a pointer cycle|pointer past/);
});

test("a pointer to a pointer, which the format forbids, is refused", (t) => {
  const { bytes, offsets } = dataSection(["x", pointer(0), { a: pointer(0) }]);
  const hop = { a: pointer(offsets[1] as number) };
  const data = Buffer.concat([bytes, encode(hop)]);
  const file = write(t, mmdbFile(data, bytes.length));
  assert.throws(() => openClientLocator(file), /a pointer to a pointer/);
});

test(`nesting deeper than ${MAX_DEPTH} levels, pointer hops included, is refused`, (t) => {
  const values: MmdbValue[] = ["leaf"];
  let at = encode("leaf").length;
  const offsets = [0];
  for (let i = 1; i <= MAX_DEPTH + 2; i++) {
    const map = { down: pointer(offsets[i - 1] as number) };
    values.push(map);
    offsets.push(at);
    at += encode(map).length;
  }
  const file = write(t, mmdbFile(dataSection(values).bytes, offsets.at(-1) as number));
  assert.throws(() => openClientLocator(file), /nested too deep/);
});

test("a pointer bomb in the metadata, which a reader decodes first of all, is refused before", (t) => {
  // The metadata map comes first; its `bomb` key points at the bomb laid out after it (the
  // metadata's pointers count from the metadata's start).
  const head = (top: number) =>
    encode({
      node_count: 1,
      record_size: { uint16: 24 },
      ip_version: { uint16: 4 },
      bomb: pointer(top),
    });
  const base = head(0).length;
  const bomb = pointerBomb(40, base);
  const metadata = Buffer.concat([head(bomb.record), bomb.data]);
  const file = write(t, mmdbFile(encode(CITY), 0, { metadata }));
  assert.throws(() => openClientLocator(file), /metadata offset \d+: expands to more than/);
});
