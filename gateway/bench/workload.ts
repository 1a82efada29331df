/**
 * What the proxy benchmark sends: two response sizes, each at its own upstream path, and the
 * request headers every target gets alike. The client address in X-Forwarded-For is a located
 * one in the demo GeoIP database (198.51.100.1: Buenos Aires, AR), so the gateway does a real
 * GeoIP look-up and a real pinned decision; the other targets just pass the header on.
 */

export interface Body {
  /** The name in tables, JSON and `--bodies`. */
  readonly name: string;
  /** Upstream path that answers with this body. */
  readonly path: string;
  readonly bytes: number;
}

export const BODIES: readonly Body[] = [
  { name: "small", path: "/small", bytes: 64 },
  { name: "16k", path: "/16k", bytes: 16_384 },
];

/** A client in Buenos Aires (demo-city.mmdb), as our own edge proxy would report it. */
export const CLIENT_ADDRESS = "198.51.100.1";

export const REQUEST_HEADERS: Readonly<Record<string, string>> = {
  "x-forwarded-for": CLIENT_ADDRESS,
};

/** Keep-alive connections the closed-loop load generator holds open (the figure). */
export const CONNECTIONS = 64;

/**
 * Keep-alive connections of the open-model generator by default (`--open-connections`): the
 * most requests in flight at once, beyond which a due send is dropped. At 10 000 req/s, 256
 * ride out a 25 ms stall of the target (a GC pause, a descheduled process on a shared
 * machine) with every send measured rather than dropped; a target slower than that for
 * longer is saturated, and its drops say so.
 */
export const OPEN_CONNECTIONS = 256;
