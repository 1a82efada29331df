/**
 * Who saw a site answer with an upstream status that may count against its health: the
 * distinct clients and distinct paths over a rolling window. Such a status counts only once
 * enough of both have seen it, so that neither one client (many requests, one network) nor
 * one path (a page that fails everywhere, whoever asks) can make it count alone.
 *
 * Bounded whatever the traffic: at most `limit` clients and `limit` paths are remembered,
 * the most recently seen (a Map in recency order, the oldest dropped); a check never needs
 * more than `limit`. Keys are the caller's (a client's network, a path without its query),
 * kept as given: the caller bounds their length. Pure: every call passes the time.
 */
export const WITNESS_WINDOW_MS = 10_000;

/** The most distinct witnesses of each kind remembered, and the most a policy may require. */
export const MAX_WITNESSES = 16;

export class FailureWitnesses {
  readonly #windowMs: number;
  readonly #limit: number;
  readonly #clients = new Map<string, number>();
  readonly #paths = new Map<string, number>();

  constructor(windowMs = WITNESS_WINDOW_MS, limit = MAX_WITNESSES) {
    this.#windowMs = windowMs;
    this.#limit = limit;
  }

  /** One answer that may count, seen by `client` on `path` at `now` (ms). */
  record(client: string, path: string, now: number): void {
    remember(this.#clients, client, now, this.#limit);
    remember(this.#paths, path, now, this.#limit);
  }

  /** Have at least this many distinct clients and paths seen one within the window? */
  corroborated(minClients: number, minPaths: number, now: number): boolean {
    const since = now - this.#windowMs;
    return recent(this.#clients, since) >= minClients && recent(this.#paths, since) >= minPaths;
  }
}

function remember(seen: Map<string, number>, key: string, now: number, limit: number): void {
  seen.delete(key);
  seen.set(key, now);
  if (seen.size > limit) {
    const oldest = seen.keys().next();
    if (!oldest.done) seen.delete(oldest.value);
  }
}

function recent(seen: ReadonlyMap<string, number>, since: number): number {
  let count = 0;
  for (const at of seen.values()) if (at >= since) count += 1;
  return count;
}
