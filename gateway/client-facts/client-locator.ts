/**
 * Client location from a MaxMind GeoIP2/GeoLite2 City database (thin adapter over
 * @maxmind/geoip2-node's City model). An address the database does not cover is "location
 * unknown", never an error; a file that is not a valid City database fails at open, with its
 * name.
 */
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { City } from "@maxmind/geoip2-node";
import type { CityResponse } from "mmdb-lib";
import type { ClientLocation } from "../../routing-tables/client.ts";
import { type BoundedTree, boundedTree } from "./bounded-lookup.ts";
import { verifyMetadataSection, verifyMmdb } from "./verify-mmdb.ts";

export interface NetworkAnswer {
  readonly location: ClientLocation;
  /** Leading bits shared by every address with this answer: 0–32 for IPv4, 0–128 for IPv6. */
  readonly prefixLength: number;
}

export interface ClientLocator {
  readonly file: string;
  /** Throws a TypeError for text that is not an IP address. */
  locate(address: string): ClientLocation;
  /** The location and the prefix length at which the search tree ended (for per-prefix caches). */
  locateNetwork(address: string): NetworkAnswer;
  /** Look-ups whose record could not be read within the bounds (answered location unknown). */
  failures(): number;
}

const UNKNOWN: ClientLocation = Object.freeze({});

/**
 * Whether records of this database type follow the City schema: geoip2-node's
 * ReaderModel#city() accepts exactly the types whose name includes "City" (GeoIP2-City,
 * GeoLite2-City, GeoIP2-City-Europe, …) and refuses the rest, GeoIP2-Enterprise included.
 */
const isCityType = (databaseType: string) => databaseType.includes("City");

/**
 * Reads the file once, into one mmdb-lib Reader (bounded-lookup.ts): its metadata drives the
 * structural check, and one walk of its search tree per look-up gives both the record (mapped
 * by geoip2-node's City model, as ReaderModel#city() maps it) and the prefix length.
 * ReaderModel itself is not used because it reports no prefix length for an address outside
 * every network. A record that cannot be read or mapped is "location unknown", never an
 * error: only text that is not an IP address throws.
 */
export function openClientLocator(file: string): ClientLocator {
  let tree: BoundedTree;
  try {
    const db = readFileSync(file);
    // The metadata is decoded first of all, by the Reader itself: check its bounds before.
    verifyMetadataSection(db);
    tree = boundedTree(db);
    // Readers decode lazily and trust size fields: check the whole structure now.
    verifyMmdb(db, tree.metadata);
    const { databaseType } = tree.metadata;
    if (!isCityType(databaseType)) throw new Error(`a ${databaseType} database, not a City one`);
  } catch (cause) {
    throw new Error(`${file}: not a readable GeoIP2 City database (${(cause as Error).message})`, {
      cause,
    });
  }
  // Records the City model could not map (not a map, fields of the wrong type).
  let unmapped = 0;
  const locateNetwork = (address: string): NetworkAnswer => {
    // mmdb-lib parses any text; geoip2-node validates with the same node:net rule first.
    if (isIP(address) === 0) throw new TypeError(`not an IP address: ${address}`);
    const [record, prefixLength] = tree.lookup(address);
    if (!record) return { location: UNKNOWN, prefixLength };
    const location = mapped(record);
    if (location === undefined) unmapped += 1;
    return { location: location ?? UNKNOWN, prefixLength };
  };
  return {
    file,
    locate: (address) => locateNetwork(address).location,
    locateNetwork,
    failures: () => tree.failures() + unmapped,
  };
}

/** The record as a location, or undefined when the City model cannot map it. */
function mapped(record: CityResponse): ClientLocation | undefined {
  try {
    return toLocation(new City(record));
  } catch {
    return undefined;
  }
}

function toLocation(city: City): ClientLocation {
  const country = city.country?.isoCode;
  const subdivision = city.subdivisions?.[0]?.isoCode;
  const { latitude, longitude } = city.location ?? {};
  return Object.freeze({
    ...(country && { country }),
    ...(country && subdivision && { region: `${country}-${subdivision}` }),
    ...(city.continent?.code && { continent: city.continent.code }),
    ...(latitude !== undefined && longitude !== undefined && { latitude, longitude }),
  });
}
