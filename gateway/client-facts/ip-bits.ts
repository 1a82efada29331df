/**
 * IP address text to bits, for masking by prefix length. Validity is `node:net` `isIP`'s
 * (the same grammar MaxMind's readers accept); IPv6 with a zone (`fe80::1%eth0`) is refused,
 * because a zone is not part of the address's bits. Each function runs only its own family's
 * check (isIPv4 or isIPv6): `isIP` tries IPv6's costly pattern on every text that is not
 * IPv4, which would run it twice per IPv6 look-up.
 */
import { isIPv4, isIPv6 } from "node:net";

/** The address as an unsigned 32-bit integer, or undefined when it is not dotted-quad IPv4. */
export function ipv4ToUint32(text: string): number | undefined {
  if (!isIPv4(text)) return undefined;
  return dottedQuadToUint32(text);
}

const COLON = 58;
const DOT = 46;

/**
 * The eight 16-bit groups of an IPv6 address (an embedded dotted quad gives the last two),
 * or undefined. A single scan, no splitting: this runs on every cached look-up.
 */
export function ipv6Groups(text: string): number[] | undefined {
  if (!isIPv6(text) || text.includes("%")) return undefined;
  const groups: number[] = [];
  let gap = -1;
  let value = 0;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (char === COLON) {
      if (digits > 0) groups.push(value);
      else if (i > 0) gap = groups.length; // the second colon of "::"
      value = 0;
      digits = 0;
    } else if (char === DOT) {
      const quad = dottedQuadToUint32(text.slice(i - digits));
      groups.push(quad >>> 16, quad & 0xffff);
      digits = 0;
      break;
    } else {
      value = value * 16 + (char <= 57 ? char - 48 : (char | 32) - 87);
      digits++;
    }
  }
  if (digits > 0) groups.push(value);
  if (gap >= 0) groups.splice(gap, 0, ...new Array<number>(8 - groups.length).fill(0));
  return groups;
}

/** The address as four unsigned 32-bit words, most significant first, or undefined. */
export function ipv6Words(text: string): number[] | undefined {
  const g = ipv6Groups(text);
  if (g === undefined) return undefined;
  const word = (i: number) => (g[i] as number) * 0x10000 + (g[i + 1] as number);
  return [word(0), word(2), word(4), word(6)];
}

/** `0:0:0:0:0:ffff:w:x` written as IPv4 (`w.x` as a dotted quad), else undefined. */
export function ipv4FromMapped(groups: readonly number[]): string | undefined {
  for (let i = 0; i < 5; i++) if (groups[i] !== 0) return undefined;
  if (groups[5] !== 0xffff) return undefined;
  const high = groups[6] ?? 0;
  const low = groups[7] ?? 0;
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/** A valid dotted quad (checked by the caller) as an unsigned 32-bit integer. */
function dottedQuadToUint32(text: string): number {
  let value = 0;
  let octet = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (char === DOT) {
      value = value * 256 + octet;
      octet = 0;
    } else {
      octet = octet * 10 + char - 48;
    }
  }
  return value * 256 + octet;
}
