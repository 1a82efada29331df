/**
 * A client locator (openClientLocator: locations and the prefix lengths per-network caches
 * need) tagged with the version of the file it read, so a reload can tell whether the file
 * changed since. The identity is taken before the read, so a file replaced while it was being
 * read shows as changed at the next check.
 */
import { fileIdentity } from "../config/watch-files.ts";
import { type ClientLocator, type NetworkAnswer, openClientLocator } from "./client-locator.ts";

export type { NetworkAnswer };

export interface NetworkLocator extends ClientLocator {
  /** The file's identity when it was read (see fileVersion). */
  readonly version: string;
}

/** Opens and checks a GeoIP2 City database as openClientLocator does (an Error naming the file for a bad one). */
export function openNetworkLocator(file: string): NetworkLocator {
  const version = fileVersion(file);
  const locator = openClientLocator(file);
  if (version === undefined)
    throw new Error(`${file}: cannot read it (it went away while being opened)`);
  return Object.freeze({ ...locator, version });
}

/** The file's identity (config/watch-files.ts: the same one its watch compares). */
export const fileVersion = fileIdentity;
