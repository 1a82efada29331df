/**
 * A client locator that also says which network an answer holds for (the prefix length at
 * which the MaxMind search tree ended: every address sharing those leading bits walks the same
 * path to the same record, "location unknown" included), and which version of the file it
 * read. The database is read once (openClientLocator); its identity is taken before the read,
 * so a file replaced while it was being read shows as changed at the next check.
 */
import { type BigIntStats, statSync } from "node:fs";
import {
  type ClientLocator,
  type NetworkAnswer,
  openClientLocator,
} from "../geoip/client-locator.ts";

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
