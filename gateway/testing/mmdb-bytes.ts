/**
 * A MaxMind DB writer small enough to craft hostile files in tests (MaxMind DB File Format
 * Specification 2.0): values encoded byte by byte, and a one-node IPv4 tree whose left record
 * (addresses 0.0.0.0/1) points at a record of the caller's choice and whose right one
 * (128.0.0.0/1) is empty. Test-only; nothing here is downloaded.
 */

/** A value as the format encodes it: strings, unsigned 32-bit integers, maps, arrays, pointers. */
export type MmdbValue =
  | string
  | number
  | { readonly double: number }
  | { readonly uint16: number }
  | { readonly uint64: bigint }
  | { readonly pointer: number }
  | readonly MmdbValue[]
  | { readonly [key: string]: MmdbValue };

/** A pointer to the value at this data-section offset. */
export const pointer = (offset: number): MmdbValue => ({ pointer: offset });

function control(type: number, size: number): Buffer {
  const extended = type > 7;
  const head = (extended ? 0 : type) << 5;
  const sizeBytes =
    size < 29
      ? Buffer.of(head | size)
      : size < 285
        ? Buffer.of(head | 29, size - 29)
        : size < 65_821
          ? Buffer.of(head | 30, (size - 285) >> 8, (size - 285) & 0xff)
          : Buffer.of(
              head | 31,
              (size - 65_821) >> 16,
              ((size - 65_821) >> 8) & 0xff,
              (size - 65_821) & 0xff,
            );
  if (!extended) return sizeBytes;
  return Buffer.concat([sizeBytes.subarray(0, 1), Buffer.of(type - 7), sizeBytes.subarray(1)]);
}

function uint(type: number, value: number | bigint, width: number): Buffer {
  const bytes: number[] = [];
  let rest = BigInt(value);
  for (let i = 0; i < width && rest > 0n; i++) {
    bytes.unshift(Number(rest & 0xffn));
    rest >>= 8n;
  }
  return Buffer.concat([control(type, bytes.length), Buffer.from(bytes)]);
}

function encodePointer(offset: number): Buffer {
  if (offset < 2048) return Buffer.of(0x20 | (offset >> 8), offset & 0xff);
  if (offset < 526_336) {
    const v = offset - 2048;
    return Buffer.of(0x28 | (v >> 16), (v >> 8) & 0xff, v & 0xff);
  }
  const out = Buffer.alloc(5);
  out[0] = 0x38;
  out.writeUInt32BE(offset, 1);
  return out;
}

/** The bytes of one value. */
export function encode(value: MmdbValue): Buffer {
  if (typeof value === "string") {
    const text = Buffer.from(value, "utf8");
    return Buffer.concat([control(2, text.length), text]);
  }
  if (typeof value === "number") return uint(6, value, 4);
  if (Array.isArray(value))
    return Buffer.concat([control(11, value.length), ...value.map((v) => encode(v))]);
  if ("pointer" in value && typeof value.pointer === "number") return encodePointer(value.pointer);
  if ("double" in value && typeof value.double === "number") {
    const out = Buffer.alloc(8);
    out.writeDoubleBE(value.double);
    return Buffer.concat([control(3, 8), out]);
  }
  if ("uint16" in value && typeof value.uint16 === "number") return uint(5, value.uint16, 2);
  if ("uint64" in value && typeof value.uint64 === "bigint") return uint(9, value.uint64, 8);
  const entries = Object.entries(value as Record<string, MmdbValue>);
  return Buffer.concat([
    control(7, entries.length),
    ...entries.flatMap(([k, v]) => [encode(k), encode(v)]),
  ]);
}

/** Values laid out one after another; returns the bytes and each value's offset. */
export function dataSection(values: readonly MmdbValue[]): { bytes: Buffer; offsets: number[] } {
  const offsets: number[] = [];
  const parts: Buffer[] = [];
  let at = 0;
  for (const value of values) {
    const bytes = encode(value);
    offsets.push(at);
    parts.push(bytes);
    at += bytes.length;
  }
  return { bytes: Buffer.concat(parts), offsets };
}

const MARKER = Buffer.from("\xab\xcd\xefMaxMind.com", "latin1");

/**
 * A whole database: `data` is the data section, `record` the offset in it that addresses
 * under 128.0.0.0 resolve to. `metadata` replaces the metadata value when given (raw bytes).
 */
export function mmdbFile(
  data: Buffer,
  record: number,
  options: { databaseType?: string; metadata?: Buffer } = {},
): Buffer {
  const nodeCount = 1;
  const tree = Buffer.alloc(6);
  tree.writeUIntBE(record + nodeCount + 16, 0, 3);
  tree.writeUIntBE(nodeCount, 3, 3);
  const metadata =
    options.metadata ??
    encode({
      node_count: nodeCount,
      record_size: { uint16: 24 },
      ip_version: { uint16: 4 },
      database_type: options.databaseType ?? "GeoIP2-City",
      languages: ["en"],
      binary_format_major_version: { uint16: 2 },
      binary_format_minor_version: { uint16: 0 },
      build_epoch: { uint64: 1_700_000_000n },
      description: { en: "crafted by a test" },
    });
  return Buffer.concat([tree, Buffer.alloc(16), data, MARKER, metadata]);
}

/**
 * A pointer bomb: level 0 is a string, each level above a map whose two values point at the
 * level below, so the top record expands to 2^levels strings. Returns its bytes and the top
 * record's offset; `base` is where the bytes will sit in their section (pointers count from
 * the section's start).
 */
export function pointerBomb(levels: number, base = 0): { data: Buffer; record: number } {
  const values: MmdbValue[] = ["x"];
  const offsets = [base];
  let at = base + encode("x").length;
  for (let level = 1; level <= levels; level++) {
    const below = offsets[level - 1] as number;
    const map = { a: pointer(below), b: pointer(below) };
    values.push(map);
    offsets.push(at);
    at += encode(map).length;
  }
  return { data: dataSection(values).bytes, record: offsets[levels] as number };
}
