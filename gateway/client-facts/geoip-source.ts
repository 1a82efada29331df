/**
 * The live GeoIP database. Look-ups go to the current snapshot (a checked database and its
 * own network cache). reload() opens the file anew: on success the new snapshot replaces the
 * old in one assignment, so the next look-up uses it, with a fresh cache; on failure the last
 * good snapshot keeps answering and the error (naming the file) is kept for lastError().
 *
 * With `watch`, a change to the file triggers a reload, through the gateway's one file watch
 * (config/watch-files.ts: the file's folder watched, debounced, polling when watching fails),
 * here with polling from the start too, for what a watch misses (network filesystems). A
 * reload happens only when the file's identity differs from the one last tried, so a broken
 * file is tried once, not on every poll. Timers are unref()ed; close() stops both.
 */
import type { ClientLocation } from "../../routing-tables/client.ts";
import { checkWatchOptions, watchFiles } from "../config/watch-files.ts";
import { createGeoCache, type GeoCache, type GeoCacheStats } from "./geo-cache.ts";
import { fileVersion, type NetworkAnswer, openNetworkLocator } from "./network-locator.ts";

export interface GeoipSourceOptions {
  /** Called after every reload attempt, manual or automatic. Must not throw. */
  readonly onReload?: (ok: boolean, error?: Error) => void;
  /** Reload when the file changes. Default false. */
  readonly watch?: boolean;
  /** With watch: how often the file's stat is checked, in ms. Default 5000, at least 10. */
  readonly pollIntervalMs?: number;
  /** With watch: quiet time after the last directory event before reloading, in ms. Default 200. */
  readonly debounceMs?: number;
  /** With watch: told when watching the folder fails (polling carries on). Must not throw. */
  readonly onWatchError?: (error: Error) => void;
  /** Networks cached per loaded database. Default 100_000. */
  readonly maxEntries?: number;
  /** The clock for loadedAtMs, in ms since the epoch. Default Date.now. */
  readonly now?: () => number;
}

export interface GeoipSourceInfo {
  readonly file: string;
  readonly loadedAtMs: number;
  /** 1 for the database opened first, one more for each successful reload. */
  readonly generation: number;
}

export type ReloadResult = { readonly ok: true } | { readonly ok: false; readonly error: Error };

/** What the admin API and the metrics show of the live database. */
export interface GeoipStatus extends GeoipSourceInfo {
  /** Reloads refused since the source was opened (the last good kept serving). */
  readonly rejectedReloads: number;
  /** Why the latest reload was refused, while it stands; null after a success. */
  readonly lastError: string | null;
  /** Look-ups whose record could not be read within the bounds (answered location unknown). */
  readonly lookupFailures: number;
}

export interface GeoipSource {
  /** The current database's answer; throws a TypeError for text that is not an IP. */
  locate(address: string): ClientLocation;
  /** The same with the prefix length of the network it holds for (cached alike). */
  locateNetwork(address: string): NetworkAnswer;
  current(): GeoipSourceInfo;
  /** The current database's cache statistics (fresh after each reload). */
  stats(): GeoCacheStats;
  reload(): ReloadResult;
  /** The error of the last reload attempt, if it failed; undefined after a success. */
  lastError(): Error | undefined;
  /** The live database, the refused reloads and the failed look-ups, for /sites and metrics. */
  status(): GeoipStatus;
  /** Stops watching and polling. Look-ups and manual reloads keep working. */
  close(): void;
}

interface Snapshot {
  readonly info: GeoipSourceInfo;
  readonly cache: GeoCache;
  /** The file's identity when it was read. */
  readonly version: string;
  /** Look-ups of this database that failed within the bounds. */
  readonly failures: () => number;
}

/** Opens the database (throws, naming the file, when it is bad: there is no last good yet). */
export function openGeoipSource(file: string, options: GeoipSourceOptions = {}): GeoipSource {
  const { now = Date.now, maxEntries, onReload, pollIntervalMs = 5000, debounceMs = 200 } = options;
  checkWatchOptions({ pollIntervalMs, debounceMs });
  const load = (generation: number): Snapshot => {
    const locator = openNetworkLocator(file);
    const info = Object.freeze({ file, loadedAtMs: now(), generation });
    return Object.freeze({
      info,
      cache: createGeoCache(locator, { maxEntries }),
      version: locator.version,
      failures: locator.failures,
    });
  };
  let live = load(1);
  let tried: string | undefined = live.version;
  let error: Error | undefined;
  let rejected = 0;
  // Failed look-ups of the databases replaced so far (the live one counts its own).
  let earlierFailures = 0;

  const reload = (): ReloadResult => {
    const before = fileVersion(file);
    try {
      const next = load(live.info.generation + 1);
      earlierFailures += live.failures();
      live = next;
    } catch (cause) {
      error = cause instanceof Error ? cause : new Error(`${file}: ${String(cause)}`);
      tried = before;
      rejected += 1;
      onReload?.(false, error);
      return { ok: false, error };
    }
    tried = live.version;
    error = undefined;
    onReload?.(true);
    return { ok: true };
  };
  const reloadIfChanged = () => {
    const version = fileVersion(file);
    if (version !== undefined && version !== tried) reload();
  };
  const watch = options.watch
    ? watchFiles([file], reloadIfChanged, {
        pollIntervalMs,
        debounceMs,
        alwaysPoll: true,
        ...(options.onWatchError && { onError: options.onWatchError }),
      })
    : undefined;
  return {
    locate: (address) => live.cache.locate(address),
    locateNetwork: (address) => live.cache.locateNetwork(address),
    current: () => live.info,
    stats: () => live.cache.stats(),
    reload,
    lastError: () => error,
    status: () => ({
      ...live.info,
      rejectedReloads: rejected,
      lastError: error?.message ?? null,
      lookupFailures: earlierFailures + live.failures(),
    }),
    close: () => watch?.close(),
  };
}

/**
 * One status for the gateway from its data planes' (each worker reads the database itself):
 * the oldest generation any serves, the most refused reloads any counts (they all try the
 * same file), the standing error if any has one, the failed look-ups of all. Null when no
 * data plane has a database.
 */
export function mergeGeoipStatuses(statuses: readonly (GeoipStatus | null)[]): GeoipStatus | null {
  const known = statuses.filter((s): s is GeoipStatus => s !== null);
  const [first, ...rest] = known;
  if (!first) return null;
  return rest.reduce(
    (merged, s) => ({
      ...(s.generation < merged.generation ? s : merged),
      rejectedReloads: Math.max(merged.rejectedReloads, s.rejectedReloads),
      lastError: merged.lastError ?? s.lastError,
      lookupFailures: merged.lookupFailures + s.lookupFailures,
    }),
    first,
  );
}
