/**
 * A structural check of a MaxMind DB file, in the spirit of MaxMind's `mmdbverify`: every
 * search-tree record points at a node, at "empty" or inside the data section, and every data
 * record reached decodes with the sizes the format requires (a double is 8 bytes, a float 4,
 * integers no wider than their type). Readers decode lazily and some (mmdb-lib) trust the size
 * fields, so a corrupt file can answer with made-up coordinates; this refuses it at load time.
 * Format: MaxMind DB File Format Specification 2.0.
 */
import type { Reader } from "mmdb-lib";

type Metadata = Reader<never>["metadata"];

const METADATA_MARKER = Buffer.from("\xab\xcd\xefMaxMind.com", "latin1");
const DATA_SECTION_SEPARATOR = 16;
const MAX_DEPTH = 64;

/** Fixed or maximum payload sizes in bytes by type number. */
const FIXED_SIZE: Record<number, number> = { 3: 8, 15: 4 };
const MAX_SIZE: Record<number, number> = { 5: 2, 6: 4, 8: 4, 9: 8, 10: 16, 14: 1 };

export class CorruptDatabaseError extends Error {
  override name = "CorruptDatabaseError";
}

/**
 * Throws a CorruptDatabaseError unless the structure of `db` is sound; `metadata` is the one a
 * Reader over the same bytes parsed (so the caller's Reader is the only one built).
 */
export function verifyMmdb(db: Buffer, metadata: Metadata): void {
  const { nodeCount, recordSize } = metadata;
  const treeSize = (nodeCount * recordSize * 2) / 8;
  const dataStart = treeSize + DATA_SECTION_SEPARATOR;
  const dataEnd = db.lastIndexOf(METADATA_MARKER);
  if (dataEnd < dataStart)
    throw new CorruptDatabaseError("the search tree runs past the data section");
  const checker = new DataChecker(db, dataStart, dataEnd);
  for (let node = 0; node < nodeCount; node++) {
    for (const record of records(db, node, recordSize)) {
      if (record <= nodeCount) continue;
      const offset = record - nodeCount - DATA_SECTION_SEPARATOR;
      if (offset >= dataEnd - dataStart) {
        throw new CorruptDatabaseError(`search tree node ${node} points past the data section`);
      }
      checker.check(offset);
    }
  }
}

function records(db: Buffer, node: number, recordSize: number): [number, number] {
  const at = (node * recordSize * 2) / 8;
  if (recordSize === 24) return [db.readUIntBE(at, 3), db.readUIntBE(at + 3, 3)];
  if (recordSize === 28) {
    const middle = db[at + 3] ?? 0;
    return [
      ((middle & 0xf0) << 20) | db.readUIntBE(at, 3),
      ((middle & 0x0f) << 24) | db.readUIntBE(at + 4, 3),
    ];
  }
  if (recordSize === 32) return [db.readUInt32BE(at), db.readUInt32BE(at + 4)];
  throw new CorruptDatabaseError(`unsupported record size ${recordSize}`);
}

class DataChecker {
  readonly #db: Buffer;
  readonly #start: number;
  readonly #end: number;
  readonly #checked = new Set<number>();

  constructor(db: Buffer, start: number, end: number) {
    this.#db = db;
    this.#start = start;
    this.#end = end;
  }

  /** Checks the value at a data-section offset once; returns nothing, throws on corruption. */
  check(offset: number): void {
    if (this.#checked.has(offset)) return;
    this.#checked.add(offset);
    this.#value(this.#start + offset, 0);
  }

  #fail(at: number, what: string): never {
    throw new CorruptDatabaseError(`data section offset ${at - this.#start}: ${what}`);
  }

  #byte(at: number): number {
    if (at >= this.#end) this.#fail(at, "runs past the data section");
    return this.#db[at] as number;
  }

  /** Decodes the value at an absolute position; returns the position after it. */
  #value(at: number, depth: number): number {
    if (depth > MAX_DEPTH) this.#fail(at, "nested too deep");
    const control = this.#byte(at);
    let next = at + 1;
    let type = control >> 5;
    if (type === 1) return this.#pointer(at, control);
    if (type === 0) {
      type = 7 + this.#byte(next);
      next += 1;
      if (type < 8 || type > 15) this.#fail(at, `unknown extended type ${type}`);
    }
    let size = control & 0x1f;
    if (size >= 29) {
      const extra = size - 28;
      if (next + extra > this.#end) this.#fail(at, "size runs past the data section");
      size = [0, 29, 285, 65_821][extra] as number;
      size += this.#db.readUIntBE(next, extra);
      next += extra;
    }
    return this.#payload(at, type, size, next, depth);
  }

  #payload(at: number, type: number, size: number, next: number, depth: number): number {
    const fixed = FIXED_SIZE[type];
    if (fixed !== undefined && size !== fixed)
      this.#fail(at, `type ${type} of ${size} bytes (expected ${fixed})`);
    const max = MAX_SIZE[type];
    if (max !== undefined && size > max)
      this.#fail(at, `type ${type} of ${size} bytes (at most ${max})`);
    if (type === 12 || type === 13)
      this.#fail(at, `type ${type} is not allowed in the data section`);
    if (type === 14) return next; // boolean: the value is the size, no payload
    if (type === 7) {
      let position = next;
      for (let i = 0; i < size * 2; i++) position = this.#value(position, depth + 1);
      return position;
    }
    if (type === 11) {
      let position = next;
      for (let i = 0; i < size; i++) position = this.#value(position, depth + 1);
      return position;
    }
    if (next + size > this.#end) this.#fail(at, "value runs past the data section");
    return next + size;
  }

  #pointer(at: number, control: number): number {
    const width = ((control >> 3) & 0x3) + 1;
    if (at + 1 + width > this.#end) this.#fail(at, "pointer runs past the data section");
    const low = control & 0x7;
    const raw = this.#db.readUIntBE(at + 1, width);
    const base = [0, 2048, 526_336, 0][width - 1] as number;
    const target = width === 4 ? raw : ((low << (8 * width)) | raw) + base;
    if (target >= this.#end - this.#start) this.#fail(at, "pointer past the data section");
    this.check(target);
    return at + 1 + width;
  }
}
