// The cache over the demo database (and MaxMind's City test database when ../shared has it),
// compared answer for answer with uncached look-ups; and over a fake locator for the bounds.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import fc from "fast-check";
import type { ClientLocation } from "../../routing-tables/client.ts";
import { DEMO_GEOIP } from "../config/config-files.ts";
import { createGeoCache } from "./geo-cache.ts";
import { type NetworkAnswer, type NetworkLocator, openNetworkLocator } from "./network-locator.ts";

const SHARED_CITY = join(import.meta.dirname, "../../../shared/geoip/GeoLite2-City-Test.mmdb");

interface Place {
  readonly id: string;
  readonly sample: string;
  readonly sampleIpv6: string;
}
const places: readonly Place[] = JSON.parse(
  readFileSync(join(import.meta.dirname, "../demo/geoip/clients.json"), "utf8"),
);

const demo = openNetworkLocator(DEMO_GEOIP);

test("two addresses of one network are one miss, then a hit", () => {
  const cache = createGeoCache(demo);
  const first = cache.locate("198.51.100.1");
  const second = cache.locate("198.51.100.14");
  assert.equal(second, first, "the cached answer itself");
  assert.equal(first.country, "AR");
  assert.deepEqual(cache.stats(), { hits: 1, misses: 1, size: 1 });
});

test("an address outside every cached network is a miss", () => {
  const cache = createGeoCache(demo);
  cache.locate("198.51.100.1");
  assert.equal(cache.locate("198.51.100.17").country, "BR");
  assert.deepEqual(cache.stats(), { hits: 0, misses: 2, size: 2 });
});

test("IPv6 addresses of one /48 share one entry, apart from IPv4", () => {
  const cache = createGeoCache(demo);
  cache.locate("2001:db8:1::1");
  cache.locate("2001:DB8:1:ffff::42");
  cache.locate("198.51.100.1");
  assert.deepEqual(cache.stats(), { hits: 1, misses: 2, size: 2 });
});

test("a cached answer carries the prefix length of the network it holds for", () => {
  const cache = createGeoCache(demo);
  assert.equal(cache.locateNetwork("198.51.100.161").prefixLength, 28, "a miss");
  const hit = cache.locateNetwork("198.51.100.170");
  assert.deepEqual([hit.prefixLength, hit.location.region], [28, "TZ-15"], "a hit");
  assert.equal(cache.locateNetwork("2001:db8:b::1").prefixLength, 48);
  assert.deepEqual(cache.stats(), { hits: 1, misses: 2, size: 2 });
});

test("location unknown is cached for the empty network the database reports", () => {
  const cache = createGeoCache(demo);
  assert.deepEqual(cache.locate("192.0.2.1"), {}); // in the empty 192.0.0.0/6
  assert.deepEqual(cache.locate("195.1.2.3"), {});
  assert.deepEqual(cache.stats(), { hits: 1, misses: 1, size: 1 });
});

test("text that is not an IP address is a TypeError and is not cached", () => {
  const cache = createGeoCache(demo);
  assert.throws(() => cache.locate("not-an-ip"), TypeError);
  assert.equal(cache.stats().size, 0);
});

test("an IPv6 address with a zone is answered by the database, uncached", () => {
  const cache = createGeoCache(demo);
  assert.deepEqual(cache.locate("2001:db8:1::1%eth0"), demo.locate("2001:db8:1::1%eth0"));
  assert.deepEqual(cache.stats(), { hits: 0, misses: 1, size: 0 });
});

/** A locator that places every address in the network of the given prefix length. */
function fakeLocator(prefixLength: (address: string) => number): NetworkLocator {
  const locateNetwork = (address: string): NetworkAnswer => ({
    location: Object.freeze({ country: address.includes(":") ? "V6" : "V4" }),
    prefixLength: prefixLength(address),
  });
  const locate = (a: string) => locateNetwork(a).location;
  return { file: "fake", version: "1", locateNetwork, locate, failures: () => 0 };
}

test("a /0 network answers every address of its family", () => {
  const cache = createGeoCache(fakeLocator(() => 0));
  for (const address of ["1.2.3.4", "255.0.0.1", "0.0.0.0", "::1", "ffff::"]) cache.locate(address);
  assert.deepEqual(cache.stats(), { hits: 3, misses: 2, size: 2 });
});

test("a /32 and a /128 answer only their own address", () => {
  const cache = createGeoCache(fakeLocator((a) => (a.includes(":") ? 128 : 32)));
  for (const address of ["1.2.3.4", "1.2.3.5", "1.2.3.4", "::1", "::2", "0:0::1"]) {
    cache.locate(address);
  }
  assert.deepEqual(cache.stats(), { hits: 2, misses: 4, size: 4 });
});

test("the bound is respected, evicting the least recently used network", () => {
  const cache = createGeoCache(
    fakeLocator(() => 24),
    { maxEntries: 3 },
  );
  for (const address of ["10.0.1.1", "10.0.2.1", "10.0.3.1", "10.0.1.2", "10.0.4.1"]) {
    cache.locate(address);
  }
  assert.deepEqual(cache.stats(), { hits: 1, misses: 4, size: 3 });
  cache.locate("10.0.1.3"); // used recently: kept
  cache.locate("10.0.2.2"); // least recently used: evicted
  assert.deepEqual(cache.stats(), { hits: 2, misses: 5, size: 3 });
});

test("maxEntries below 1 or fractional is a RangeError", () => {
  assert.throws(() => createGeoCache(demo, { maxEntries: 0 }), RangeError);
  assert.throws(() => createGeoCache(demo, { maxEntries: 1.5 }), RangeError);
});

/** Looks every address up twice through the cache and checks both against the database. */
function assertSameAnswers(locator: NetworkLocator, addresses: readonly string[]): void {
  const cache = createGeoCache(locator);
  for (const round of [1, 2]) {
    for (const address of addresses) {
      const expected: ClientLocation = locator.locate(address);
      assert.deepEqual(cache.locate(address), expected, `round ${round}: ${address}`);
      assert.deepEqual(
        cache.locateNetwork(address),
        locator.locateNetwork(address),
        `round ${round}: ${address}, prefix length included`,
      );
    }
  }
  assert.ok(cache.stats().hits >= addresses.length, "the second round is answered from cache");
}

test("answers equal uncached look-ups for every sample in clients.json", () => {
  const addresses = places.flatMap((p) => [
    p.sample,
    p.sampleIpv6,
    `::ffff:${p.sample}`,
    p.sample.replace(/\d+$/, (last) => String(Number(last) + 13)), // the /28's last address
    p.sampleIpv6.replace(/::1$/, ":ffff:ffff:ffff:ffff:ffff"), // the /48's last address
  ]);
  assertSameAnswers(demo, addresses);
});

/** Random addresses, and addresses near the networks a database is known to hold. */
function addressesNear(bases: readonly string[]) {
  const nearIpv4 = fc
    .tuple(fc.constantFrom(...bases.filter((b) => !b.includes(":"))), fc.nat(255))
    .map(([base, last]) => base.replace(/\d+$/, String(last)));
  const nearIpv6 = fc
    .tuple(fc.constantFrom(...bases.filter((b) => b.includes(":"))), fc.nat(0xffff))
    .map(([base, last]) => `${base.replace(/::.*$/, "")}::${last.toString(16)}`);
  return fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), nearIpv4, nearIpv6), { maxLength: 200 });
}

test("answers equal uncached look-ups for random addresses in the demo database", () => {
  const bases = places.flatMap((p) => [p.sample, p.sampleIpv6]);
  fc.assert(fc.property(addressesNear(bases), (list) => assertSameAnswers(demo, list)));
});

function sharedCity(t: TestContext): NetworkLocator | undefined {
  if (existsSync(SHARED_CITY)) return openNetworkLocator(SHARED_CITY);
  t.skip("../shared absent");
  return undefined;
}

test("answers equal uncached look-ups for random addresses in MaxMind's City test database", (t) => {
  const city = sharedCity(t);
  if (!city) return;
  const bases = ["81.2.69.142", "89.160.20.112", "175.16.199.0", "2001:218::", "2a02:d180::"];
  fc.assert(fc.property(addressesNear(bases), (list) => assertSameAnswers(city, list)));
});
