/**
 * Client location from a MaxMind GeoIP2/GeoLite2 City database (thin adapter over
 * @maxmind/geoip2-node). An address the database does not cover is "location unknown",
 * never an error; a file that is not a valid database fails at open, with its name.
 */
import { readFileSync } from "node:fs";
import { AddressNotFoundError, Reader, type ReaderModel } from "@maxmind/geoip2-node";
import { Reader as MmdbReader } from "mmdb-lib";
import type { ClientLocation } from "../../routing-tables/client.ts";
import { verifyMmdb } from "./verify-mmdb.ts";

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
}

const UNKNOWN: ClientLocation = Object.freeze({});
/** Database types whose records follow the City schema. */
const CITY_TYPES = /City|Enterprise/;

/**
 * Reads the file once: the City reader and the search-tree reader (for prefix lengths) share
 * the same bytes, so there is one copy in memory and no second read to race a replacement.
 */
export function openClientLocator(file: string): ClientLocator {
  let reader: ReaderModel;
  let tree: MmdbReader<never>;
  try {
    const db = readFileSync(file);
    // Readers decode lazily and trust size fields: check the whole structure now.
    const { databaseType } = verifyMmdb(db);
    if (!CITY_TYPES.test(databaseType))
      throw new Error(`a ${databaseType} database, not a City one`);
    reader = Reader.openBuffer(db);
    tree = new MmdbReader<never>(db);
  } catch (cause) {
    throw new Error(`${file}: not a readable GeoIP2 City database (${(cause as Error).message})`, {
      cause,
    });
  }
  const locate = (address: string) => lookup(reader, address);
  const locateNetwork = (address: string): NetworkAnswer => {
    const location = locate(address); // first: it throws the TypeError for text that is no address
    return { location, prefixLength: tree.getWithPrefixLength(address)[1] };
  };
  return { file, locate, locateNetwork };
}

function lookup(reader: ReaderModel, address: string): ClientLocation {
  let city: ReturnType<ReaderModel["city"]>;
  try {
    city = reader.city(address);
  } catch (error) {
    if (error instanceof AddressNotFoundError) return UNKNOWN;
    if ((error as Error).name === "ValueError")
      throw new TypeError(`not an IP address: ${address}`);
    throw error;
  }
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
