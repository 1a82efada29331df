/**
 * How a pool or a probe connects to a TLS backend (the catalogue's `upstreamTls`): the site's
 * CA bundle and client pair, the name sent as SNI and checked, HTTP/1.1 only, the certificate
 * always verified. Without material the connector refuses: never plain HTTP instead.
 */
import { isIP } from "node:net";
import type { Pool } from "undici";

/** A site's upstream TLS (tls/upstream-tls.ts reads it): PEM text and the name to check. */
export interface UpstreamTlsOptions {
  /** PEM CA bundle; absent: Node's bundled root CAs. */
  readonly ca?: string;
  /** SNI and the name checked; absent: each backend's host. */
  readonly serverName?: string;
  /** A client certificate and key (PEM) for backends that ask for one. */
  readonly cert?: string;
  readonly key?: string;
  /** SHA-256 of all the above: pools made with other material are replaced. */
  readonly fingerprint: string;
}

/**
 * undici's connect options for a TLS backend: the site's CA and client pair, the name checked
 * (the site's serverName, else the backend's host when it is a name; an IP address is checked
 * against the certificate's IP SANs). No material: a connector that refuses (fail closed).
 */
export function tlsConnect(
  address: string,
  tls: UpstreamTlsOptions | undefined,
): Pool.Options["connect"] {
  if (!tls)
    return (_options, callback) =>
      callback(new Error(`no TLS material for ${address} yet: not connecting in the clear`), null);
  const servername = serverNameFor(address, tls);
  return {
    // The upstream hop is HTTP/1.1 (undici 8 would offer h2 over TLS).
    allowH2: false,
    rejectUnauthorized: true,
    ...(tls.ca && { ca: tls.ca }),
    ...(servername && { servername }),
    ...(tls.cert && tls.key && { cert: tls.cert, key: tls.key }),
  };
}

/** The name sent as SNI and checked: the site's serverName, else the backend's host if a name. */
export function serverNameFor(address: string, tls: UpstreamTlsOptions): string | undefined {
  if (tls.serverName) return tls.serverName;
  const host = address.startsWith("[")
    ? address.slice(1, address.indexOf("]"))
    : address.slice(0, address.lastIndexOf(":"));
  return isIP(host) === 0 ? host : undefined;
}
