/**
 * A client locator that also says which network an answer holds for: the prefix length at
 * which the database's search tree ended (MaxMind DB search trees are binary tries, so every
 * address sharing those leading bits walks the same path to the same record, "location
 * unknown" included). The location comes from `openClientLocator` (its whole-file check and
 * its City mapping, unchanged); the prefix from an mmdb-lib Reader over the same file's bytes,
 * read a second time. Both readers parse addresses with mmdb-lib, so they walk alike.
 * Cost: the database is held in memory twice (once per reader).
 */
import { type BigIntStats, readFileSync, statSync } from "node:fs";
import { Reader } from "mmdb-lib";
import type { ClientLocation } from "../../routing-tables/client.ts";
import { type ClientLocator, openClientLocator } from "../geoip/client-locator.ts";

export interface NetworkAnswer {
  readonly location: ClientLocation;
  /** Leading bits shared by every address with this answer: 0–32 for IPv4, 0–128 for IPv6. */
  readonly prefixLength: number;
}

export interface NetworkLocator extends ClientLocator {
  /** The file's identity when it was read (see fileVersion). */
  readonly version: string;
  /** Throws a TypeError for text that is not an IP address. */
  locateNetwork(address: string): NetworkAnswer;
}

/**
 * Opens and checks a GeoIP2 City database as openClientLocator does (an Error naming the file
 * for a bad one), and also when the file was replaced while it was being read twice.
 */
export function openNetworkLocator(file: string): NetworkLocator {
  const before = fileVersion(file);
  const locator = openClientLocator(file);
  let reader: Reader<never>;
  try {
    reader = new Reader<never>(readFileSync(file));
  } catch (cause) {
    throw new Error(`${file}: cannot read it again (${(cause as Error).message})`, { cause });
  }
  const version = fileVersion(file);
  if (before === undefined || before !== version) {
    throw new Error(`${file}: the file changed while it was being opened; open it again`);
  }
  const locateNetwork = (address: string): NetworkAnswer => {
    const location = locator.locate(address);
    return { location, prefixLength: reader.getWithPrefixLength(address)[1] };
  };
  return Object.freeze({ file, version, locate: locator.locate, locateNetwork });
}

/**
 * The file's identity (device, inode, size, modification and change times in ns), or
 * undefined when it cannot be read. A rename-over changes the inode; a rewrite in place
 * changes the times.
 */
export function fileVersion(file: string): string | undefined {
  let stats: BigIntStats;
  try {
    stats = statSync(file, { bigint: true });
  } catch {
    return undefined;
  }
  const { dev, ino, size, mtimeNs, ctimeNs } = stats;
  return `${dev}:${ino}:${size}:${mtimeNs}:${ctimeNs}`;
}
