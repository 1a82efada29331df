/**
 * Reads a config file as UTF-8 text, never more than its size cap: a file over the cap is
 * refused from its stat, before any read, and the read itself stops one byte past the cap
 * (a FIFO, /dev/zero or a file still growing has no size to trust).
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { type ConfigError, wholeFileError } from "../../routing-tables/config-error.ts";
import { MAX_CONFIG_BYTES, tooLargeError } from "../../routing-tables/yaml-source.ts";

export type ReadResult = { readonly text: string } | { readonly error: ConfigError };

const CHUNK_BYTES = 65_536;

export function readConfigFile(file: string, maxBytes = MAX_CONFIG_BYTES): ReadResult {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (error) {
    return { error: cannotRead(file, error) };
  }
  try {
    const { size } = fstatSync(fd);
    if (size > maxBytes) return { error: tooLargeError(file, maxBytes, size) };
    const chunks: Buffer[] = [];
    let total = 0;
    // One byte past the cap is enough to know the file is over it.
    while (total <= maxBytes) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, maxBytes + 1 - total));
      const read = readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      chunks.push(read === chunk.length ? chunk : chunk.subarray(0, read));
      total += read;
    }
    if (total > maxBytes) return { error: tooLargeError(file, maxBytes) };
    return { text: Buffer.concat(chunks, total).toString("utf8") };
  } catch (error) {
    return { error: cannotRead(file, error) };
  } finally {
    closeSync(fd);
  }
}

const cannotRead = (file: string, error: unknown) =>
  wholeFileError(file, `cannot read: ${(error as Error).message}`);
