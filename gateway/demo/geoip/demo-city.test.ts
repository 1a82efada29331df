// Reads demo-city.mmdb back through @maxmind/geoip2-node and checks it against clients.json,
// its single source of truth; when MaxMind::DB::Writer::Tree is installed, also regenerates it.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { ReaderModel } from "@maxmind/geoip2-node";
import { AddressNotFoundError, Reader } from "@maxmind/geoip2-node";
import { parse } from "yaml";

type Place = {
  id: string;
  ipv4: string;
  ipv6: string;
  sample: string;
  sampleIpv6: string;
  city: string;
  country: string;
  countryName: string;
  inEuropeanUnion: boolean;
  subdivision: { iso: string; name: string };
  continent: "AF" | "AN" | "AS" | "EU" | "NA" | "OC" | "SA";
  latitude: number;
  longitude: number;
  accuracyRadiusKm: number;
  timeZone: string;
  nearSite: string | null;
};

type Site = { id: string; name: string; country: string; latitude: number; longitude: number };

const here = import.meta.dirname;
const databasePath = join(here, "demo-city.mmdb");
const places: Place[] = JSON.parse(readFileSync(join(here, "clients.json"), "utf8"));
const catalogue: { sites: Site[] } = parse(
  readFileSync(join(here, "../../../routing-tables/reference-world/catalogue.yaml"), "utf8"),
);

// Addresses outside every range: the gateway treats them as "location unknown".
// 192.0.2.0/24 is a documentation range that is deliberately left out of the database.
const unknownAddresses = ["8.8.8.8", "10.0.0.1", "192.0.2.1", "2001:db8:ffff::1", "::1"];

function ipv4ToNumber(address: string): number {
  const octets = address.split(".").map(Number);
  assert.equal(octets.length, 4, `${address} is not an IPv4 address`);
  return octets.reduce((value, octet) => value * 256 + octet, 0);
}

function ipv4InNetwork(address: string, network: string): boolean {
  const [base = "", bits = ""] = network.split("/");
  const size = 2 ** (32 - Number(bits));
  const start = ipv4ToNumber(base);
  const value = ipv4ToNumber(address);
  return start % size === 0 && value >= start && value < start + size;
}

function lookUp(reader: ReaderModel, address: string): unknown {
  try {
    return reader.city(address);
  } catch (error) {
    if (error instanceof AddressNotFoundError) return "not found";
    throw error;
  }
}

test("every client place is a /28 and a /48 of documentation space, used once", () => {
  const documentation = ["198.51.100.0/24", "203.0.113.0/24", "192.0.2.0/24"];
  const seen = new Set<string>();
  for (const place of places) {
    assert.match(place.ipv4, /\/28$/, place.id);
    assert.match(place.ipv6, /^2001:db8:[0-9a-f]{1,4}::\/48$/, place.id);
    assert.ok(
      documentation.some((range) => ipv4InNetwork(place.ipv4.split("/")[0] ?? "", range)),
      `${place.id}: ${place.ipv4} is not in an RFC 5737 range`,
    );
    assert.ok(ipv4InNetwork(place.sample, place.ipv4), `${place.id}: sample outside its /28`);
    assert.ok(
      place.sampleIpv6.startsWith(place.ipv6.replace(/::\/48$/, ":")),
      `${place.id}: IPv6 sample outside its /48`,
    );
    for (const key of [place.id, place.ipv4, place.ipv6]) {
      assert.ok(!seen.has(key), `${key} is used twice`);
      seen.add(key);
    }
    // Throws a RangeError for a time zone name that is not in the IANA database.
    new Intl.DateTimeFormat("en", { timeZone: place.timeZone });
  }
});

test("every reference site has a client place in its city, at its coordinates", () => {
  const sites = new Map(catalogue.sites.map((site) => [site.id, site]));
  for (const place of places) {
    if (place.nearSite === null) continue;
    const site = sites.get(place.nearSite);
    assert.ok(site, `${place.id}: nearSite ${place.nearSite} is not in the catalogue`);
    assert.equal(place.country, site.country, place.id);
    assert.equal(place.latitude, site.latitude, place.id);
    assert.equal(place.longitude, site.longitude, place.id);
  }
  const covered = new Set(places.map((place) => place.nearSite));
  for (const site of catalogue.sites) {
    assert.ok(covered.has(site.id), `site ${site.id} (${site.name}) has no client place`);
  }
  assert.ok(
    places.some((place) => place.nearSite === null),
    "there are client places with no site nearby",
  );
});

test("the committed database answers every client place as clients.json says", async () => {
  const reader = await Reader.open(databasePath);
  for (const place of places) {
    const city = reader.city(place.sample);
    assert.equal(city.country?.isoCode, place.country, place.id);
    assert.equal(city.country?.names.en, place.countryName, place.id);
    assert.equal(city.country?.isInEuropeanUnion ?? false, place.inEuropeanUnion, place.id);
    assert.equal(city.registeredCountry?.isoCode, place.country, place.id);
    assert.equal(city.registeredCountry?.names.en, place.countryName, place.id);
    assert.equal(city.continent?.code, place.continent, place.id);
    assert.equal(city.city?.names.en, place.city, place.id);
    assert.equal(city.subdivisions?.length, 1, place.id);
    assert.equal(city.subdivisions?.[0]?.isoCode, place.subdivision.iso, place.id);
    assert.equal(city.subdivisions?.[0]?.names.en, place.subdivision.name, place.id);
    assert.equal(city.location?.latitude, place.latitude, place.id);
    assert.equal(city.location?.longitude, place.longitude, place.id);
    assert.equal(city.location?.accuracyRadius, place.accuracyRadiusKm, place.id);
    assert.equal(city.location?.timeZone, place.timeZone, place.id);
    assert.equal(city.traits.network, place.ipv4, `${place.id}: the whole /28 and no more`);

    const overIpv6 = reader.city(place.sampleIpv6);
    assert.equal(overIpv6.traits.network, place.ipv6, `${place.id}: the whole /48 and no more`);
    assert.deepEqual({ ...overIpv6, traits: {} }, { ...city, traits: {} }, place.id);

    // alias_ipv6_to_ipv4: an IPv4-mapped IPv6 address finds the same place.
    assert.equal(reader.city(`::ffff:${place.sample}`).city?.names.en, place.city, place.id);
  }
});

test("an address outside every client range is not found, i.e. location unknown", async () => {
  const reader = await Reader.open(databasePath);
  for (const address of unknownAddresses) {
    assert.throws(() => reader.city(address), AddressNotFoundError, address);
  }
});

test("generate.pl rebuilds a database that answers like the committed one", async (t) => {
  const probe = spawnSync("perl", ["-MMaxMind::DB::Writer::Tree", "-e1"], { stdio: "ignore" });
  if (probe.status !== 0) {
    t.skip(
      "MaxMind::DB::Writer::Tree is not installed (apt-get install -y libmaxmind-db-writer-perl)",
    );
    return;
  }
  const directory = mkdtempSync(join(tmpdir(), "demo-city-"));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  const freshPath = join(directory, "demo-city.mmdb");
  const run = spawnSync("perl", [join(here, "generate.pl"), freshPath], { encoding: "utf8" });
  assert.equal(run.status, 0, `generate.pl failed:\n${run.stderr}`);

  const committed = await Reader.open(databasePath);
  const fresh = await Reader.open(freshPath);
  const addresses = [
    ...places.flatMap((place) => [place.sample, place.sampleIpv6]),
    ...unknownAddresses,
  ];
  for (const address of addresses) {
    assert.deepEqual(
      lookUp(fresh, address),
      lookUp(committed, address),
      `${address}: regenerate and commit demo-city.mmdb after editing clients.json`,
    );
  }
});
