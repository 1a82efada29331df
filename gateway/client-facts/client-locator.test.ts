// openClientLocator over the demo database, corrupt copies this test makes of it, and (when
// ../shared/geoip is there) MaxMind's own test databases, sound and deliberately broken.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import type { ClientLocation } from "../../routing-tables/client.ts";
import { pseudoRandomBytes } from "../../routing-tables/testing/random.ts";
import { DEMO_GEOIP } from "../config/config-files.ts";
import { type ClientLocator, openClientLocator } from "./client-locator.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const SHARED_GEOIP = join(ROOT, "..", "shared", "geoip");

interface Place {
  readonly id: string;
  readonly sample: string;
  readonly sampleIpv6: string;
  readonly country: string;
  readonly subdivision: { readonly iso: string };
  readonly continent: string;
  readonly latitude: number;
  readonly longitude: number;
}

const places: readonly Place[] = JSON.parse(
  readFileSync(join(ROOT, "gateway/demo/geoip/clients.json"), "utf8"),
);

const demo = openClientLocator(DEMO_GEOIP);

const ZANZIBAR: ClientLocation = {
  country: "TZ",
  region: "TZ-15",
  continent: "AF",
  latitude: -6.1659,
  longitude: 39.2026,
};

const samples: readonly { name: string; ip: string; location: ClientLocation }[] = [
  {
    name: "a Zanzibar client has its ISO 3166-2 region TZ-15",
    ip: "198.51.100.161",
    location: ZANZIBAR,
  },
  {
    name: "a London client is in GB-ENG, Europe",
    ip: "198.51.100.97",
    location: {
      country: "GB",
      region: "GB-ENG",
      continent: "EU",
      latitude: 51.5074,
      longitude: -0.1278,
    },
  },
  {
    name: "a Sydney client, far from every site, is still located",
    ip: "203.0.113.65",
    location: {
      country: "AU",
      region: "AU-NSW",
      continent: "OC",
      latitude: -33.8688,
      longitude: 151.2093,
    },
  },
  {
    name: "an IPv6 Zanzibar client is located as over IPv4",
    ip: "2001:db8:b::1",
    location: ZANZIBAR,
  },
  {
    name: "an IPv4-mapped IPv6 address is located as its IPv4 address",
    ip: "::ffff:198.51.100.1",
    location: {
      country: "AR",
      region: "AR-C",
      continent: "SA",
      latitude: -34.6037,
      longitude: -58.3816,
    },
  },
];

for (const sample of samples) {
  test(`demo database: ${sample.name}`, () => {
    const location = demo.locate(sample.ip);
    assert.deepEqual(location, sample.location);
    assert.ok(Object.isFrozen(location), "a location cannot be changed by its reader");
  });
}

test("demo database: every place of clients.json over IPv4, IPv6 and IPv4-mapped IPv6", () => {
  for (const place of places) {
    const expected = {
      country: place.country,
      region: `${place.country}-${place.subdivision.iso}`,
      continent: place.continent,
      latitude: place.latitude,
      longitude: place.longitude,
    };
    for (const ip of [place.sample, place.sampleIpv6, `::ffff:${place.sample}`]) {
      assert.deepEqual(demo.locate(ip), expected, `${place.id}: ${ip}`);
    }
  }
});

test("an address outside every network is location unknown: {}", () => {
  for (const ip of ["192.0.2.1", "8.8.8.8", "10.0.0.1", "::1", "2001:db8:ffff::1"]) {
    assert.deepEqual(demo.locate(ip), {}, ip);
  }
});

test("text that is not an IP address is a TypeError", () => {
  for (const text of ["not-an-ip", "", "1.2.3", "999.1.1.1", "2001:db8::g"]) {
    assert.throws(() => demo.locate(text), TypeError, JSON.stringify(text));
  }
});

test("a file that does not exist fails at open, naming the file", () => {
  const missing = join(tmpdir(), "client-locator-no-such-dir", "city.mmdb");
  assert.throws(() => openClientLocator(missing), namesFile(missing));
});

/** An Error whose message names `file`. */
function namesFile(file: string) {
  return (error: unknown) => {
    assert.ok(error instanceof Error, String(error));
    assert.ok(error.message.includes(file), `"${error.message}" should name ${file}`);
    return true;
  };
}

/** Every look-up answers a frozen location or throws an Error that is not a TypeError. */
function assertLookupsDoNotCrash(locator: ClientLocator, addresses: readonly string[]): void {
  for (const ip of addresses) {
    let location: ClientLocation;
    try {
      location = locator.locate(ip);
    } catch (error) {
      assert.ok(error instanceof Error, `${ip}: threw ${String(error)}`);
      assert.ok(!(error instanceof TypeError), `${ip}: a valid address is not a TypeError`);
      continue;
    }
    assert.equal(typeof location, "object", ip);
    assert.ok(Object.isFrozen(location), ip);
  }
}

function zeroMiddleHalf(bytes: Buffer): Buffer {
  const copy = Buffer.from(bytes);
  const quarter = Math.floor(copy.length / 4);
  return copy.fill(0, quarter, 3 * quarter);
}

const corruptions: readonly {
  name: string;
  make: (demo: Buffer) => Buffer;
  detectedAtOpen: boolean;
}[] = [
  {
    name: "the demo database truncated to half its length",
    make: (bytes) => bytes.subarray(0, Math.floor(bytes.length / 2)),
    detectedAtOpen: true,
  },
  { name: "an empty file", make: () => Buffer.alloc(0), detectedAtOpen: true },
  { name: "4 KiB of random bytes", make: () => pseudoRandomBytes(4096), detectedAtOpen: true },
  // The metadata at the end is intact, so the header check passes; today IPv4 look-ups
  // throw "Invalid Extended Type …" and IPv6 ones find nothing.
  {
    name: "the demo database with its middle half zeroed",
    make: zeroMiddleHalf,
    detectedAtOpen: true,
  },
];

for (const corruption of corruptions) {
  const outcome = corruption.detectedAtOpen
    ? "fails at open, naming the file"
    : "opens, and no look-up crashes";
  test(`${corruption.name} ${outcome}`, (t) => {
    const directory = mkdtempSync(join(tmpdir(), "client-locator-"));
    t.after(() => rmSync(directory, { recursive: true, force: true }));
    const file = join(directory, "corrupt.mmdb");
    writeFileSync(file, corruption.make(readFileSync(DEMO_GEOIP)));
    if (corruption.detectedAtOpen) {
      assert.throws(() => openClientLocator(file), namesFile(file));
      return;
    }
    const locator = openClientLocator(file);
    const addresses = places.flatMap((p) => [p.sample, p.sampleIpv6]);
    assertLookupsDoNotCrash(locator, [...addresses, "192.0.2.1"]);
  });
}

/**
 * The demo database with its metadata's database_type rewritten. The metadata map is the last
 * thing in the file and holds no pointers, so the string can change length in place: its
 * control byte is type 2 (UTF-8 string) with the length in the low five bits (under 29).
 */
function withDatabaseType(bytes: Buffer, databaseType: string): Buffer {
  const encode = (text: string) =>
    Buffer.concat([Buffer.from([(2 << 5) | text.length]), Buffer.from(text, "utf8")]);
  const old = encode("GeoIP2-City");
  const at = bytes.lastIndexOf(old);
  assert.ok(at > 0, "the demo database is a GeoIP2-City one");
  return Buffer.concat([
    bytes.subarray(0, at),
    encode(databaseType),
    bytes.subarray(at + old.length),
  ]);
}

test("a database whose type does not name City (GeoIP2-Enterprise) fails at open, as geoip2-node's city() refuses it", (t) => {
  const directory = mkdtempSync(join(tmpdir(), "client-locator-"));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  const enterprise = join(directory, "enterprise.mmdb");
  writeFileSync(enterprise, withDatabaseType(readFileSync(DEMO_GEOIP), "GeoIP2-Enterprise"));
  assert.throws(() => openClientLocator(enterprise), namesFile(enterprise));
  const europe = join(directory, "europe.mmdb");
  writeFileSync(europe, withDatabaseType(readFileSync(DEMO_GEOIP), "GeoIP2-City-Europe"));
  assert.deepEqual(openClientLocator(europe).locate("198.51.100.97"), demo.locate("198.51.100.97"));
});

/** ../shared/geoip, or undefined after skipping the test when a fresh clone lacks it. */
function sharedGeoip(t: TestContext): string | undefined {
  if (existsSync(SHARED_GEOIP)) return SHARED_GEOIP;
  t.skip("../shared/geoip is absent (fresh clone): skipping MaxMind test-database checks");
  return undefined;
}

/** Addresses the README of ../shared/geoip lists for the City test database. */
const MAXMIND_ADDRESSES = [
  "81.2.69.142",
  "2.125.160.216",
  "89.160.20.112",
  "216.160.83.56",
  "175.16.199.1",
  "2001:218::",
  "2a02:d180::",
  "8.8.8.8",
];

test("MaxMind's City test database answers as its README says", (t) => {
  const shared = sharedGeoip(t);
  if (!shared) return;
  const locator = openClientLocator(join(shared, "GeoLite2-City-Test.mmdb"));
  const london = {
    country: "GB",
    region: "GB-ENG",
    continent: "EU",
    latitude: 51.5142,
    longitude: -0.0931,
  };
  assert.deepEqual(locator.locate("81.2.69.142"), london);
  assert.deepEqual(locator.locate("::ffff:81.2.69.142"), london);
  assert.deepEqual(locator.locate("2001:218::"), {
    country: "JP",
    continent: "AS",
    latitude: 35.68536,
    longitude: 139.75309,
  });
  assert.deepEqual(locator.locate("8.8.8.8"), {});
});

test("MaxMind databases of another kind (Country, ASN, Anonymous-IP) fail at open", (t) => {
  const shared = sharedGeoip(t);
  if (!shared) return;
  for (const name of [
    "GeoLite2-Country-Test.mmdb",
    "GeoLite2-ASN-Test.mmdb",
    "GeoIP2-Anonymous-IP-Test.mmdb",
  ]) {
    const file = join(shared, name);
    assert.throws(() => openClientLocator(file), namesFile(file));
  }
});

test("each broken MaxMind database fails at open, naming the file", (t) => {
  const shared = sharedGeoip(t);
  if (!shared) return;
  const names = readdirSync(join(shared, "broken")).filter((name) => name.endsWith(".mmdb"));
  assert.ok(names.length > 0, "broken/ holds databases");
  for (const name of names) {
    const file = join(shared, "broken", name);
    assert.throws(() => openClientLocator(file), namesFile(file), name);
  }
});

test("a City database with malformed doubles is refused, not read as coordinates near 0,0", (t) => {
  const shared = sharedGeoip(t);
  if (!shared) return;
  const file = join(shared, "broken", "GeoIP2-City-Test-Broken-Double-Format.mmdb");
  let locator: ClientLocator;
  try {
    locator = openClientLocator(file);
  } catch (error) {
    namesFile(file)(error);
    return;
  }
  let location: ClientLocation;
  try {
    location = locator.locate("81.2.69.142");
  } catch (error) {
    assert.ok(error instanceof Error && !(error instanceof TypeError), String(error));
    return;
  }
  // Failing cleanly is the only right answer; a location must at least not be made up.
  const { latitude, longitude } = location;
  if (latitude === undefined || longitude === undefined) return;
  assert.ok(
    Math.abs(latitude - 51.5142) < 1 && Math.abs(longitude + 0.0931) < 1,
    `81.2.69.142 (London) was placed at ${latitude}, ${longitude}`,
  );
});

test("every address MaxMind's README lists looks up without error in its City test database", (t) => {
  const shared = sharedGeoip(t);
  if (!shared) return;
  assertLookupsDoNotCrash(
    openClientLocator(join(shared, "GeoLite2-City-Test.mmdb")),
    MAXMIND_ADDRESSES,
  );
});
