// openNetworkLocator over the demo database and copies of it in temporary directories.
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { DEMO_GEOIP } from "../config/config-files.ts";
import { openClientLocator } from "./client-locator.ts";
import { fileVersion, openNetworkLocator } from "./network-locator.ts";

const demo = openNetworkLocator(DEMO_GEOIP);
const plain = openClientLocator(DEMO_GEOIP);

function tempDir(t: TestContext): string {
  const directory = mkdtempSync(join(tmpdir(), "network-locator-"));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

/** An Error whose message names `file`. */
const namesFile = (file: string) => (error: unknown) =>
  error instanceof Error && error.message.includes(file);

const prefixCases: readonly [string, string, number][] = [
  ["an IPv4 client of a /28", "198.51.100.1", 28],
  ["an IPv6 client of a /48", "2001:db8:1::1", 48],
  ["an IPv4-mapped client, in IPv6 bits", "::ffff:198.51.100.1", 124],
  ["an unknown IPv4 address, at the depth the tree ended", "192.0.2.1", 6],
  ["an unknown IPv6 address", "2001:db8:ffff::1", 33],
];

for (const [name, address, prefixLength] of prefixCases) {
  test(`${name} is answered with prefix length ${prefixLength} and the plain locator's location`, () => {
    assert.deepEqual(demo.locateNetwork(address), {
      location: plain.locate(address),
      prefixLength,
    });
  });
}

test("locate answers as the plain locator does", () => {
  assert.deepEqual(demo.locate("198.51.100.161"), plain.locate("198.51.100.161"));
});

test("text that is not an IP address is a TypeError", () => {
  assert.throws(() => demo.locateNetwork("not-an-ip"), TypeError);
});

test("a missing file fails at open, naming the file", (t) => {
  const missing = join(tempDir(t), "absent.mmdb");
  assert.throws(() => openNetworkLocator(missing), namesFile(missing));
});

test("a truncated database fails at open, naming the file", (t) => {
  const file = join(tempDir(t), "truncated.mmdb");
  writeFileSync(file, Buffer.alloc(100, 7));
  assert.throws(() => openNetworkLocator(file), namesFile(file));
});

test("the version is the file's identity, and a rename-over changes it", (t) => {
  const directory = tempDir(t);
  const file = join(directory, "city.mmdb");
  copyFileSync(DEMO_GEOIP, file);
  const first = openNetworkLocator(file);
  assert.equal(first.version, fileVersion(file));
  copyFileSync(DEMO_GEOIP, join(directory, "next.mmdb"));
  renameSync(join(directory, "next.mmdb"), file);
  assert.notEqual(fileVersion(file), first.version);
  assert.equal(fileVersion(join(directory, "absent.mmdb")), undefined);
});
