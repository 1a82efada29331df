/**
 * A structural check of a MaxMind DB file, in the spirit of MaxMind's `mmdbverify`: every
 * search-tree record points at a node, at "empty" or inside the data section, and every data
 * record reached decodes with the sizes the format requires (a double is 8 bytes, a float 4,
 * integers no wider than their type). Readers decode lazily and some (mmdb-lib) trust the size
 * fields, so a corrupt file can answer with made-up coordinates; this refuses it at load time.
 *
 * It also bounds what a look-up can cost. Readers expand pointers as they decode, so a few
 * hundred bytes of maps whose two values point at the same map one level down expand to 2^n
 * values (issue 11: 2^24 decodes stalled the gateway 10 s, deeper ones ran it out of memory),
 * and a value that points back at itself never ends (a stack overflow). So every record the
 * tree reaches is measured as a reader would expand it, each pointer target once (memoised,
 * so the check is linear in the file): more than MAX_RECORD_VALUES values, nesting deeper
 * than MAX_DEPTH (pointer hops included), a pointer cycle, or a pointer to a pointer (which
 * the format forbids) refuses the file. The metadata section, which a reader decodes before
 * anything else, is checked the same way first (`verifyMetadataSection`).
 * Format: MaxMind DB File Format Specification 2.0.
 */
import type { Reader } from "mmdb-lib";

type Metadata = Reader<never>["metadata"];

const METADATA_MARKER = Buffer.from("\xab\xcd\xefMaxMind.com", "latin1");
/** The format caps the metadata section (marker included) at 128 KiB. */
const MAX_METADATA_BYTES = 128 * 1024;
const DATA_SECTION_SEPARATOR = 16;
/** Nesting levels a value may expand to, pointer hops included. */
export const MAX_DEPTH = 64;
/**
 * Values one record may expand to. MaxMind's City test database's largest record expands to
 * 134 and the demo database's to 54; this leaves room for any real City record.
 */
export const MAX_RECORD_VALUES = 10_000;

/** Fixed or maximum payload sizes in bytes by type number. */
const FIXED_SIZE: Record<number, number> = { 3: 8, 15: 4 };
const MAX_SIZE: Record<number, number> = { 5: 2, 6: 4, 8: 4, 9: 8, 10: 16, 14: 1 };

export class CorruptDatabaseError extends Error {
  override name = "CorruptDatabaseError";
}

/** Throws a CorruptDatabaseError unless the metadata section is sound and bounded. */
export function verifyMetadataSection(db: Buffer): void {
  const marker = db.lastIndexOf(METADATA_MARKER);
  if (marker < 0) throw new CorruptDatabaseError("no metadata section (not a MaxMind DB file)");
  const start = marker + METADATA_MARKER.length;
  if (db.length - marker > MAX_METADATA_BYTES)
    throw new CorruptDatabaseError(`a metadata section over ${MAX_METADATA_BYTES} bytes`);
  new DataChecker(db, start, db.length, "metadata").check(0);
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
  const checker = new DataChecker(db, dataStart, dataEnd, "data section");
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

/** A value as a reader expands it: where it ends, how many values, how deep below it. */
interface Measure {
  readonly next: number;
  readonly values: number;
  readonly depth: number;
}

class DataChecker {
  readonly #db: Buffer;
  readonly #start: number;
  readonly #end: number;
  readonly #section: string;
  /** Expanded size and depth of every value measured at a section offset. */
  readonly #measured = new Map<number, { values: number; depth: number }>();
  /** Offsets being measured now: meeting one again is a pointer cycle. */
  readonly #open = new Set<number>();

  constructor(db: Buffer, start: number, end: number, section: string) {
    this.#db = db;
    this.#start = start;
    this.#end = end;
    this.#section = section;
  }

  /** Checks the value at a section offset (once); throws on corruption or past the bounds. */
  check(offset: number): void {
    this.#at(offset, 0);
  }

  #fail(at: number, what: string): never {
    throw new CorruptDatabaseError(`${this.#section} offset ${at - this.#start}: ${what}`);
  }

  #byte(at: number): number {
    if (at >= this.#end) this.#fail(at, `runs past the ${this.#section}`);
    return this.#db[at] as number;
  }

  /** The value at a section offset, measured once; `above` levels already above it. */
  #at(offset: number, above: number): { values: number; depth: number } {
    const known = this.#measured.get(offset);
    if (known) {
      if (above + known.depth > MAX_DEPTH) this.#fail(this.#start + offset, "nested too deep");
      return known;
    }
    if (this.#open.has(offset)) this.#fail(this.#start + offset, "a pointer cycle");
    this.#open.add(offset);
    const { values, depth } = this.#value(this.#start + offset, above);
    this.#open.delete(offset);
    const measured = { values, depth };
    this.#measured.set(offset, measured);
    return measured;
  }

  /** Decodes the value at an absolute position, `above` levels deep. */
  #value(at: number, above: number): Measure {
    if (above > MAX_DEPTH) this.#fail(at, "nested too deep");
    const control = this.#byte(at);
    let next = at + 1;
    let type = control >> 5;
    if (type === 1) return this.#pointer(at, control, above);
    if (type === 0) {
      type = 7 + this.#byte(next);
      next += 1;
      if (type < 8 || type > 15) this.#fail(at, `unknown extended type ${type}`);
    }
    let size = control & 0x1f;
    if (size >= 29) {
      const extra = size - 28;
      if (next + extra > this.#end) this.#fail(at, `size runs past the ${this.#section}`);
      size = [0, 29, 285, 65_821][extra] as number;
      size += this.#db.readUIntBE(next, extra);
      next += extra;
    }
    return this.#payload(at, type, size, next, above);
  }

  #payload(at: number, type: number, size: number, next: number, above: number): Measure {
    const fixed = FIXED_SIZE[type];
    if (fixed !== undefined && size !== fixed)
      this.#fail(at, `type ${type} of ${size} bytes (expected ${fixed})`);
    const max = MAX_SIZE[type];
    if (max !== undefined && size > max)
      this.#fail(at, `type ${type} of ${size} bytes (at most ${max})`);
    if (type === 12 || type === 13)
      this.#fail(at, `type ${type} is not allowed in the ${this.#section}`);
    if (type === 14) return { next, values: 1, depth: 0 }; // boolean: the size is the value
    if (type === 7) return this.#children(at, next, size * 2, above);
    if (type === 11) return this.#children(at, next, size, above);
    if (next + size > this.#end) this.#fail(at, `value runs past the ${this.#section}`);
    return { next: next + size, values: 1, depth: 0 };
  }

  /** A map's keys and values, or an array's elements, one after the other. */
  #children(at: number, first: number, count: number, above: number): Measure {
    let position = first;
    let values = 1;
    let depth = 0;
    for (let i = 0; i < count; i++) {
      const child = this.#value(position, above + 1);
      position = child.next;
      values += child.values;
      depth = Math.max(depth, child.depth + 1);
      if (values > MAX_RECORD_VALUES)
        this.#fail(at, `expands to more than ${MAX_RECORD_VALUES} values`);
    }
    return { next: position, values, depth };
  }

  #pointer(at: number, control: number, above: number): Measure {
    const width = ((control >> 3) & 0x3) + 1;
    if (at + 1 + width > this.#end) this.#fail(at, `pointer runs past the ${this.#section}`);
    const low = control & 0x7;
    const raw = this.#db.readUIntBE(at + 1, width);
    const base = [0, 2048, 526_336, 0][width - 1] as number;
    const target = width === 4 ? raw : ((low << (8 * width)) | raw) + base;
    if (target >= this.#end - this.#start) this.#fail(at, `pointer past the ${this.#section}`);
    if (this.#byte(this.#start + target) >> 5 === 1) this.#fail(at, "a pointer to a pointer");
    const { values, depth } = this.#at(target, above);
    return { next: at + 1 + width, values, depth };
  }
}
