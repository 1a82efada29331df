/**
 * Client location from a MaxMind GeoIP2/GeoLite2 City database (thin adapter over
 * @maxmind/geoip2-node). An address the database does not cover is "location unknown",
 * never an error; a file that is not a valid database fails at open, with its name.
 */
import { readFileSync } from "node:fs";
import { AddressNotFoundError, Reader, type ReaderModel } from "@maxmind/geoip2-node";
import type { ClientLocation } from "../../routing-tables/client.ts";

export interface ClientLocator {
  readonly file: string;
  /** Throws a TypeError for text that is not an IP address. */
  locate(address: string): ClientLocation;
}

const UNKNOWN: ClientLocation = Object.freeze({});

export function openClientLocator(file: string): ClientLocator {
  let reader: ReaderModel;
  try {
    reader = Reader.openBuffer(readFileSync(file));
    // A corrupt search tree or data section often passes the header check: read once now.
    lookup(reader, "::");
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
