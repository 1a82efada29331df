/**
 * A GeoIP answer cache keyed by network, not by address: a miss asks the database for the
 * location and the prefix length of the network that holds it, and stores the answer under
 * (address masked to that length, length). A later address is looked up by masking it to
 * each prefix length cached so far, longest first; MaxMind DB networks are disjoint leaves
 * of a binary trie, so at most one cached network contains it, and its answer is the one the
 * database would give. "Location unknown" is cached the same way, for the empty network the
 * tree reports. IPv4 keys use 32-bit integer math; IPv6 keys mask four 32-bit words the same
 * way and join the words the prefix covers into a string (measured about 3× faster per hit
 * than masking a BigInt, which allocates on every parse, mask and shift).
 *
 * Bounded by least-recently-used eviction (a Map in use order: a hit moves its network to
 * the end, the first key is evicted). LRU rather than clearing when full, because client
 * traffic is heavy-tailed: clearing would drop the busy networks with the rare ones and send
 * a burst of database look-ups exactly when the working set is larger than the bound.
 */
import type { ClientLocation } from "../../routing-tables/client.ts";
import { ipv4ToUint32, ipv6Words } from "./ip-bits.ts";
import type { NetworkAnswer, NetworkLocator } from "./network-locator.ts";

export interface GeoCacheOptions {
  /** Networks kept; the least recently used is evicted first. Default 100_000, at least 1. */
  readonly maxEntries?: number;
}

export interface GeoCacheStats {
  /** Look-ups answered from the cache. */
  readonly hits: number;
  /** Look-ups answered by the database (including addresses the cache cannot key). */
  readonly misses: number;
  /** Networks cached. */
  readonly size: number;
}

export interface GeoCache {
  /** The locator's answer for the address; throws a TypeError for text that is not an IP. */
  locate(address: string): ClientLocation;
  /** The same, with the prefix length of the network it holds for (a DNS answer's ECS scope). */
  locateNetwork(address: string): NetworkAnswer;
  stats(): GeoCacheStats;
}

export function createGeoCache(
  locator: Pick<NetworkLocator, "locate" | "locateNetwork">,
  { maxEntries = 100_000 }: GeoCacheOptions = {},
): GeoCache {
  if (!Number.isInteger(maxEntries) || maxEntries < 1)
    throw new RangeError(`maxEntries must be an integer of at least 1, not ${maxEntries}`);
  return new NetworkCache(locator, maxEntries);
}

/** Masks by prefix length: IPV4_MASKS[p] has the top p of 32 bits set. */
const IPV4_MASKS = Array.from({ length: 33 }, (_, p) => (p === 0 ? 0 : (~0 << (32 - p)) >>> 0));
const maskWord = (word: number, bits: number) =>
  (word & (IPV4_MASKS[Math.min(32, bits)] as number)) >>> 0;

/**
 * IPv4 keys are numbers, masked × 64 + length (below 2^38, exact in a double). IPv6 keys are
 * strings, "length/w0/w1…" with the words the prefix covers, masked. A number never equals a
 * string in a Map, so the families share one Map and one use order.
 */
type Key = number | string;
const ipv4Key = (address: number, length: number): Key => maskWord(address, length) * 64 + length;
function ipv6Key(words: readonly number[], length: number): Key {
  let key = String(length);
  for (let i = 0; i * 32 < length; i++) key += `/${maskWord(words[i] as number, length - i * 32)}`;
  return key;
}
const lengthOf = (key: Key): number =>
  typeof key === "number" ? key % 64 : Number.parseInt(key, 10);

/** The prefix lengths that have cached networks, longest first. */
class PrefixLengths {
  readonly bits: number;
  /** Longest first; replaced, never mutated, so a walk over it is never disturbed. */
  sorted: readonly number[] = [];
  readonly #counts: number[];

  constructor(bits: number) {
    this.bits = bits;
    this.#counts = new Array<number>(bits + 1).fill(0);
  }

  add(length: number): void {
    const count = this.#counts[length] ?? 0;
    this.#counts[length] = count + 1;
    if (count === 0) this.sorted = [...this.sorted, length].sort((a, b) => b - a);
  }

  remove(length: number): void {
    const count = (this.#counts[length] ?? 0) - 1;
    this.#counts[length] = count;
    if (count === 0) this.sorted = this.sorted.filter((l) => l !== length);
  }
}

class NetworkCache implements GeoCache {
  readonly #locator: Pick<NetworkLocator, "locate" | "locateNetwork">;
  readonly #maxEntries: number;
  /** Answers in use order, least recently used first (the locator's own objects, kept). */
  readonly #entries = new Map<Key, NetworkAnswer>();
  readonly #ipv4 = new PrefixLengths(32);
  readonly #ipv6 = new PrefixLengths(128);
  #hits = 0;
  #misses = 0;

  constructor(locator: Pick<NetworkLocator, "locate" | "locateNetwork">, maxEntries: number) {
    this.#locator = locator;
    this.#maxEntries = maxEntries;
  }

  locate(address: string): ClientLocation {
    return this.locateNetwork(address).location;
  }

  locateNetwork(address: string): NetworkAnswer {
    const ipv4 = ipv4ToUint32(address);
    if (ipv4 !== undefined) return this.#lookup(address, this.#ipv4, (l) => ipv4Key(ipv4, l));
    const ipv6 = ipv6Words(address);
    if (ipv6 !== undefined) return this.#lookup(address, this.#ipv6, (l) => ipv6Key(ipv6, l));
    // Not an IP (the locator throws its TypeError), or IPv6 with a zone: not cached.
    this.#misses++;
    return this.#locator.locateNetwork(address);
  }

  stats(): GeoCacheStats {
    return { hits: this.#hits, misses: this.#misses, size: this.#entries.size };
  }

  #lookup(address: string, lengths: PrefixLengths, keyAt: (length: number) => Key) {
    for (const length of lengths.sorted) {
      const key = keyAt(length);
      const answer = this.#entries.get(key);
      if (answer === undefined) continue;
      this.#entries.delete(key);
      this.#entries.set(key, answer);
      this.#hits++;
      return answer;
    }
    this.#misses++;
    const answer = this.#locator.locateNetwork(address);
    const { prefixLength } = answer;
    if (Number.isInteger(prefixLength) && prefixLength >= 0 && prefixLength <= lengths.bits) {
      this.#store(keyAt(prefixLength), lengths, answer);
    }
    return answer;
  }

  #store(key: Key, lengths: PrefixLengths, answer: NetworkAnswer): void {
    if (this.#entries.has(key)) return;
    if (this.#entries.size >= this.#maxEntries) this.#evictOldest();
    this.#entries.set(key, answer);
    lengths.add(lengthOf(key));
  }

  #evictOldest(): void {
    const oldest = this.#entries.keys().next();
    if (oldest.done) return;
    this.#entries.delete(oldest.value);
    const lengths = typeof oldest.value === "number" ? this.#ipv4 : this.#ipv6;
    lengths.remove(lengthOf(oldest.value));
  }
}
