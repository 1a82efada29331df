/**
 * The client as PowerDNS names it in `real-remote`: the EDNS Client Subnet of the query
 * (`198.51.100.160/28`) when the resolver sent one, else the resolver's own address as a host
 * prefix (`127.0.0.1/32`), or `0.0.0.0/0` for a look-up PowerDNS makes for itself. Pure.
 */
import { isIP } from "node:net";

export interface ClientSubnet {
  /** The subnet's address, as PowerDNS wrote it (it masks ECS addresses to the prefix). */
  readonly address: string;
  readonly family: 4 | 6;
  /** Leading bits of `address` the client is known by: the ECS source prefix length. */
  readonly sourcePrefix: number;
}

/** Longer text is no address/prefix (an IPv6 address with a zone and a prefix fits in 64). */
const MAX_CHARS = 64;

/**
 * `198.51.100.160/28` → the subnet; a bare address is a host prefix (/32, /128). An IPv6
 * interface suffix (`fe80::1%eth1`, which PowerDNS's docs warn of) is dropped. Undefined for
 * anything else: the caller answers it as a bad request, never as "location unknown".
 */
export function parseClientSubnet(text: string): ClientSubnet | undefined {
  if (text.length === 0 || text.length > MAX_CHARS) return undefined;
  const slash = text.indexOf("/");
  const addressPart = slash < 0 ? text : text.slice(0, slash);
  const prefixPart = slash < 0 ? undefined : text.slice(slash + 1);
  const percent = addressPart.indexOf("%");
  const address = percent < 0 ? addressPart : addressPart.slice(0, percent);
  const family = isIP(address);
  if (family !== 4 && family !== 6) return undefined;
  if (percent >= 0 && family !== 6) return undefined;
  const bits = family === 4 ? 32 : 128;
  if (prefixPart === undefined) return { address, family, sourcePrefix: bits };
  if (!/^\d{1,3}$/.test(prefixPart)) return undefined;
  const sourcePrefix = Number(prefixPart);
  return sourcePrefix <= bits ? { address, family, sourcePrefix } : undefined;
}
