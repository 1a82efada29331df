/**
 * A client locator (openClientLocator: locations and the prefix lengths per-network caches
 * need) tagged with the version of the file it read, so a reload can tell whether the file
 * changed since. The identity is taken before the read, so a file replaced while it was being
 * read shows as changed at the next check.
 */
import { type BigIntStats, statSync } from "node:fs";
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
