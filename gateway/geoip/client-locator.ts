/**
 * Client location from a MaxMind GeoIP2/GeoLite2 City database (thin adapter over
 * @maxmind/geoip2-node). An address the database does not cover is "location unknown",
 * never an error; a file that is not a valid database fails at open, with its name.
 */
import { readFileSync } from "node:fs";
import { AddressNotFoundError, Reader, type ReaderModel } from "@maxmind/geoip2-node";
import type { ClientLocation } from "../../routing-tables/client.ts";
import { verifyMmdb } from "./verify-mmdb.ts";

export interface ClientLocator {
  readonly file: string;
  /** Throws a TypeError for text that is not an IP address. */
  locate(address: string): ClientLocation;
}

const UNKNOWN: ClientLocation = Object.freeze({});
/** Database types whose records follow the City schema. */
const CITY_TYPES = /City|Enterprise/;

export function openClientLocator(file: string): ClientLocator {
  let reader: ReaderModel;
  try {
    const db = readFileSync(file);
    // Readers decode lazily and trust size fields: check the whole structure now.
    const { databaseType } = verifyMmdb(db);
    if (!CITY_TYPES.test(databaseType))
      throw new Error(`a ${databaseType} database, not a City one`);
    reader = Reader.openBuffer(db);
  } catch (cause) {
    throw new Error(`${file}: not a readable GeoIP2 City database (${(cause as Error).message})`, {
      cause,
    });
  }
  return { file, locate: (address) => lookup(reader, address) };
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
