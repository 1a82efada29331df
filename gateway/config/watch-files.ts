/**
 * One way to notice that files changed on disk, for the routing config (catalogue, policy)
 * and the GeoIP database alike.
 *
 * - **Folders, not files.** Editors and deploy tools replace a file by writing a new one and
 *   renaming it over the old (and Kubernetes swaps a `..data` symlink): a watch on the file
 *   itself would stay on the old inode. So each file's folder is watched, and any event in it
 *   leads to a check.
 * - **A check compares identities.** Each file's identity is its stat (device, inode, size,
 *   modification and change times in ns; none when it cannot be stat'ed). `onChange`
 *   runs only when some identity differs from the last one seen, so a busy folder or a
 *   repeated event costs a few stat calls, not a reload.
 * - **Debounced.** A check runs `debounceMs` after the last event (a copy or a rename dance is
 *   many events; the reload should see the end of it).
 * - **Polling as the fallback.** When a folder cannot be watched (the inotify limits
 *   `fs.inotify.max_user_watches` / `max_user_instances` reached, a folder that does not
 *   exist, a filesystem without events) or a watch reports an error later, every watch is
 *   closed and the files are checked every `pollIntervalMs` instead; `onError` is told why.
 *   With `alwaysPoll`, polling runs beside the watches from the start (for filesystems whose
 *   changes raise no events: NFS, some container mounts).
 *
 * Nothing here throws after start: a failing watch becomes polling, and an `onChange` that
 * throws is reported to `onError`. Watches and timers do not keep the process alive; close()
 * stops everything, and no `onChange` runs after it.
 */
import { type FSWatcher, watch as fsWatch, statSync, type WatchListener } from "node:fs";
import { dirname, resolve } from "node:path";

/** node:fs `watch` as used here: a folder, non-persistent, with a listener. */
export type WatchFunction = (
  folder: string,
  options: { persistent: false },
  listener: WatchListener<string>,
) => FSWatcher;

export interface WatchFilesOptions {
  /** Quiet time after the last folder event before the files are checked, ms. Default 200, ≥ 0. */
  readonly debounceMs?: number;
  /** How often the files are checked when polling, ms. Default 2000, at least 10. */
  readonly pollIntervalMs?: number;
  /** Poll beside the watches from the start, not only once they fail. Default false. */
  readonly alwaysPoll?: boolean;
  /**
   * Told when watching fails (`watch`: polling has taken over) and when `onChange` throws
   * (`change`: the next change calls it again). Must not throw.
   */
  readonly onError?: (error: Error, during: "watch" | "change") => void;
  /** The watch function; tests pass one that fails. Default node:fs `watch`. */
  readonly watch?: WatchFunction;
}

export interface FileWatch {
  /** `watch` while the folders are watched, `poll` once polling has taken over. */
  mode(): "watch" | "poll";
  close(): void;
}

export const DEFAULT_DEBOUNCE_MS = 200;
export const DEFAULT_POLL_INTERVAL_MS = 2000;

/** The RangeError for options out of bounds, or nothing. */
export function checkWatchOptions(options: WatchFilesOptions): void {
  const { pollIntervalMs = DEFAULT_POLL_INTERVAL_MS, debounceMs = DEFAULT_DEBOUNCE_MS } = options;
  if (!Number.isFinite(pollIntervalMs) || pollIntervalMs < 10)
    throw new RangeError(`pollIntervalMs must be at least 10, not ${pollIntervalMs}`);
  if (!Number.isFinite(debounceMs) || debounceMs < 0)
    throw new RangeError(`debounceMs must be at least 0, not ${debounceMs}`);
}

/** Watches `files` (see above); `onChange` runs when any of them differs from when last seen. */
export function watchFiles(
  files: readonly string[],
  onChange: () => void,
  options: WatchFilesOptions = {},
): FileWatch {
  checkWatchOptions(options);
  const { debounceMs = DEFAULT_DEBOUNCE_MS, pollIntervalMs = DEFAULT_POLL_INTERVAL_MS } = options;
  const paths = [...new Set(files.map((file) => resolve(file)))];
  const report = (error: unknown, during: "watch" | "change") => {
    options.onError?.(error instanceof Error ? error : new Error(String(error)), during);
  };
  let closed = false;
  let debounce: ReturnType<typeof setTimeout> | undefined;
  let poll: ReturnType<typeof setInterval> | undefined;
  let watchers: FSWatcher[] = [];
  let watching = true;
  const changed = changeCheck(paths, onChange, (error) => report(error, "change"));
  const check = () => {
    if (!closed) changed();
  };
  const startPolling = () => {
    poll ??= setInterval(check, pollIntervalMs).unref();
  };
  const fallBack = (error: unknown) => {
    if (closed || !watching) return;
    watching = false;
    for (const watcher of watchers) watcher.close();
    watchers = [];
    startPolling();
    report(error, "watch");
  };
  const schedule = () => {
    if (closed) return;
    clearTimeout(debounce);
    debounce = setTimeout(check, debounceMs).unref();
  };
  const folders = [...new Set(paths.map((path) => dirname(path)))];
  watchers = openWatches(folders, options.watch ?? fsWatch, schedule, fallBack);
  if (options.alwaysPoll) startPolling();
  return {
    mode: () => (watching ? "watch" : "poll"),
    close: () => {
      closed = true;
      clearTimeout(debounce);
      clearInterval(poll);
      for (const watcher of watchers) watcher.close();
    },
  };
}

/** A check that calls `onChange` when any path's identity differs from the last one seen. */
function changeCheck(
  paths: readonly string[],
  onChange: () => void,
  onThrow: (error: unknown) => void,
): () => void {
  let seen = paths.map(fileIdentity);
  return () => {
    const now = paths.map(fileIdentity);
    if (now.every((id, i) => id === seen[i])) return;
    seen = now;
    try {
      onChange();
    } catch (error) {
      onThrow(error);
    }
  };
}

/**
 * A watch per folder, each with `onError` as its error listener; when one cannot be set up,
 * none: the ones made are closed and `onError` is told (it starts the polling).
 */
function openWatches(
  folders: readonly string[],
  watch: WatchFunction,
  onEvent: () => void,
  onError: (error: unknown) => void,
): FSWatcher[] {
  const made: FSWatcher[] = [];
  try {
    for (const folder of folders) {
      const watcher = watch(folder, { persistent: false }, onEvent);
      made.push(watcher);
      watcher.on("error", onError);
    }
    return made;
  } catch (error) {
    for (const watcher of made) watcher.close();
    onError(error);
    return [];
  }
}

/**
 * A file's identity: device, inode, size, modification and change times in ns; undefined when
 * it cannot be stat'ed. A rename-over changes the inode; a rewrite in place changes the times.
 */
export function fileIdentity(path: string): string | undefined {
  try {
    const { dev, ino, size, mtimeNs, ctimeNs } = statSync(path, { bigint: true });
    return `${dev}:${ino}:${size}:${mtimeNs}:${ctimeNs}`;
  } catch {
    return undefined;
  }
}
