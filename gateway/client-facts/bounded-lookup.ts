/**
 * Look-ups in a MaxMind DB with a bound on each, whatever the file holds. The open-time
 * check (verify-mmdb.ts) already refuses a file whose records expand without bound; this is
 * the second wall, for what that check might miss: a look-up may follow at most
 * MAX_POINTER_FOLLOWS pointers (a pointer bomb expands only through pointers, and a pointer
 * cycle never ends), and any error while decoding (that bound, a stack overflow, a malformed
 * value) ends the look-up as "no record": location unknown. The record's offset is then
 * remembered as bad, and the address is looked up again with that record read as empty, so the
 * answer still carries the prefix length of the network (the per-network cache stores the
 * failure like any answer), and later look-ups of the same record cost nothing.
 *
 * The bound rides on mmdb-lib's public `cache` option, which its decoder asks before it
 * follows each pointer (and before it decodes a record): `get` counts, and answers "empty"
 * for a remembered bad offset.
 */
import { type CityResponse, Reader } from "mmdb-lib";

/** Pointers one look-up may follow (a real City record follows fewer than 100). */
export const MAX_POINTER_FOLLOWS = 1_000;

/** Bad record offsets remembered; past this, the memory starts again. */
const MAX_BAD_RECORDS = 1_024;

class LookupBudgetError extends Error {
  override name = "LookupBudgetError";
}

/** What mmdb-lib's decoder takes from its cache: the value, and where the value ended. */
const EMPTY = Object.freeze({ value: null, offset: 0 });

export interface BoundedTree {
  readonly metadata: Reader<CityResponse>["metadata"];
  /** The record (or null) and the prefix length; throws only for text mmdb-lib cannot parse. */
  lookup(address: string): [CityResponse | null, number];
  /** Look-ups that failed and answered "no record", since this tree was made. */
  failures(): number;
}

export function boundedTree(db: Buffer): BoundedTree {
  let left = MAX_POINTER_FOLLOWS;
  let first: number | undefined;
  const bad = new Set<number>();
  const cache = {
    get(offset: number) {
      first ??= offset;
      if (bad.has(offset)) return EMPTY;
      left -= 1;
      if (left < 0) throw new LookupBudgetError(`more than ${MAX_POINTER_FOLLOWS} pointers`);
      return undefined;
    },
    set() {},
  };
  const tree = new Reader<CityResponse>(db, { cache });
  let failures = 0;
  const attempt = (address: string): [CityResponse | null, number] => {
    left = MAX_POINTER_FOLLOWS;
    first = undefined;
    return tree.getWithPrefixLength(address);
  };
  return {
    metadata: tree.metadata,
    lookup(address) {
      try {
        return attempt(address);
      } catch (error) {
        if (first === undefined) throw error; // failed before any record: the address
        failures += 1;
        if (bad.size >= MAX_BAD_RECORDS) bad.clear();
        bad.add(first);
        try {
          return attempt(address);
        } catch {
          return [null, address.includes(":") ? 128 : 32];
        }
      }
    },
    failures: () => failures,
  };
}
