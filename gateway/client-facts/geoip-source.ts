/**
 * The live GeoIP database. Look-ups go to the current snapshot (a checked database and its
 * own network cache). reload() opens the file anew: on success the new snapshot replaces the
 * old in one assignment, so the next look-up uses it, with a fresh cache; on failure the last
 * good snapshot keeps answering and the error (naming the file) is kept for lastError().
 *
 * With `watch`, a change to the file triggers a reload: an fs.watch on the file's directory
 * (databases are replaced by writing a new file and renaming it over the old one, and a watch
 * on the file itself would stay on the old inode), debounced; and polling the file's stat,
 * for what a watch misses (network filesystems, inotify limits). Both reload only when the
 * file's identity differs from the one last tried, so a broken file is tried once, not on
 * every poll. Timers are unref()ed; close() stops both.
 */
import { type FSWatcher, watch } from "node:fs";
import { basename, dirname } from "node:path";
import type { ClientLocation } from "../../routing-tables/client.ts";
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
  /** Stops watching and polling. Look-ups and manual reloads keep working. */
  close(): void;
}

interface Snapshot {
  readonly info: GeoipSourceInfo;
  readonly cache: GeoCache;
  /** The file's identity when it was read. */
  readonly version: string;
}

/** Opens the database (throws, naming the file, when it is bad: there is no last good yet). */
export function openGeoipSource(file: string, options: GeoipSourceOptions = {}): GeoipSource {
  const { now = Date.now, maxEntries, onReload, pollIntervalMs = 5000, debounceMs = 200 } = options;
  if (!Number.isFinite(pollIntervalMs) || pollIntervalMs < 10)
    throw new RangeError(`pollIntervalMs must be at least 10, not ${pollIntervalMs}`);
  if (!Number.isFinite(debounceMs) || debounceMs < 0)
    throw new RangeError(`debounceMs must be at least 0, not ${debounceMs}`);
  const load = (generation: number): Snapshot => {
    const locator = openNetworkLocator(file);
    const info = Object.freeze({ file, loadedAtMs: now(), generation });
    return Object.freeze({
      info,
      cache: createGeoCache(locator, { maxEntries }),
      version: locator.version,
    });
  };
  let live = load(1);
  let tried: string | undefined = live.version;
  let error: Error | undefined;

  const reload = (): ReloadResult => {
    const before = fileVersion(file);
    try {
      live = load(live.info.generation + 1);
    } catch (cause) {
      error = cause instanceof Error ? cause : new Error(`${file}: ${String(cause)}`);
      tried = before;
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
  const close = options.watch
    ? watchFile(file, reloadIfChanged, pollIntervalMs, debounceMs)
    : () => {};
  return {
    locate: (address) => live.cache.locate(address),
    locateNetwork: (address) => live.cache.locateNetwork(address),
    current: () => live.info,
    stats: () => live.cache.stats(),
    reload,
    lastError: () => error,
    close,
  };
}

/** Calls `onChange` after directory events (debounced) and every poll; returns a stop function. */
function watchFile(
  file: string,
  onChange: () => void,
  pollIntervalMs: number,
  debounceMs: number,
): () => void {
  let closed = false;
  let debounce: ReturnType<typeof setTimeout> | undefined;
  const fire = () => {
    if (!closed) onChange();
  };
  const schedule = () => {
    clearTimeout(debounce);
    debounce = setTimeout(fire, debounceMs).unref();
  };
  const watcher = watchDirectory(dirname(file), basename(file), schedule);
  const poll = setInterval(fire, pollIntervalMs).unref();
  return () => {
    closed = true;
    clearTimeout(debounce);
    clearInterval(poll);
    watcher?.close();
  };
}

/** A watch for events on `name` in `directory`, or undefined when none can be set up. */
function watchDirectory(directory: string, name: string, onEvent: () => void) {
  let watcher: FSWatcher;
  try {
    watcher = watch(directory, { persistent: false }, (_event, changed) => {
      if (changed === null || changed === name) onEvent();
    });
  } catch {
    return undefined; // e.g. out of inotify watches: polling alone carries on
  }
  watcher.on("error", () => watcher.close()); // the directory went away: polling carries on
  return watcher;
}
