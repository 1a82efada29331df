// watchFiles over real files in temporary folders. Tests of the real folder watch poll for the
// outcome (no fixed sleeps); polling and close() are driven with node:test mock timers; a watch
// that fails is injected as the watch function.
import assert from "node:assert/strict";
import {
  type FSWatcher,
  watch as fsWatch,
  mkdtempSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { eventually } from "../testing/fixtures.ts";
import {
  type FileWatch,
  type WatchFilesOptions,
  type WatchFunction,
  watchFiles,
} from "./watch-files.ts";

/** A folder holding policy.yaml, removed after the test. */
function folderWithFile(t: TestContext): { folder: string; file: string } {
  const folder = mkdtempSync(join(tmpdir(), "watch-files-"));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const file = join(folder, "policy.yaml");
  writeFileSync(file, "services: []\n");
  return { folder, file };
}

/** Replaces `file` as deploy tools do: a new file beside it, renamed over it. */
function renameOver(file: string, text: string): void {
  writeFileSync(`${file}.new`, text);
  renameSync(`${file}.new`, file);
}

interface Watched {
  readonly watch: FileWatch;
  readonly changes: () => number;
  readonly errors: { message: string; during: string }[];
}

function watched(t: TestContext, files: string[], options: WatchFilesOptions = {}): Watched {
  let changes = 0;
  const errors: { message: string; during: string }[] = [];
  const watch = watchFiles(files, () => changes++, {
    ...options,
    onError: (error, during) => errors.push({ message: error.message, during }),
  });
  t.after(() => watch.close());
  return { watch, changes: () => changes, errors };
}

/** A watch function that fails as the kernel does when the inotify limits are reached. */
const exhausted: WatchFunction = () => {
  throw Object.assign(new Error("ENOSPC: System limit for number of file watchers reached"), {
    code: "ENOSPC",
  });
};

/** The real watch, keeping each watcher it made so a test can make it fail or see it closed. */
function spiedWatch(): { watch: WatchFunction; made: FSWatcher[]; closed: () => number } {
  const made: FSWatcher[] = [];
  let closed = 0;
  const watch: WatchFunction = (folder, options, listener) => {
    const watcher = fsWatch(folder, options, listener);
    const close = watcher.close.bind(watcher);
    watcher.close = () => {
      closed++;
      close();
    };
    made.push(watcher);
    return watcher;
  };
  return { watch, made, closed: () => closed };
}

test("a file replaced by rename is noticed through its folder's watch", async (t) => {
  const { file } = folderWithFile(t);
  const w = watched(t, [file], { debounceMs: 20, pollIntervalMs: 3_600_000 });
  assert.equal(w.watch.mode(), "watch");
  renameOver(file, "services: [changed]\n");
  await eventually(() => w.changes() === 1, 10_000, "the change");
  assert.deepEqual(w.errors, []);
});

test("a poll after an unrelated file changed calls nothing; one change seen by two polls is one call", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  const { folder, file } = folderWithFile(t);
  const w = watched(t, [file], { debounceMs: 100, alwaysPoll: true, pollIntervalMs: 1_000 });
  writeFileSync(join(folder, "notes.txt"), "unrelated\n");
  t.mock.timers.tick(1_000);
  assert.equal(w.changes(), 0, "an unrelated file changed, not the watched one");
  renameOver(file, "services: [changed]\n");
  t.mock.timers.tick(1_000);
  t.mock.timers.tick(1_000);
  assert.equal(w.changes(), 1, "one change, seen by two polls, is one call");
});

test("when the folder cannot be watched (inotify limit), polling notices the change", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  const { file } = folderWithFile(t);
  const w = watched(t, [file], { watch: exhausted, pollIntervalMs: 1_000 });
  assert.equal(w.watch.mode(), "poll");
  assert.deepEqual(w.errors, [
    { message: "ENOSPC: System limit for number of file watchers reached", during: "watch" },
  ]);
  t.mock.timers.tick(1_000);
  assert.equal(w.changes(), 0, "nothing changed yet");
  renameOver(file, "services: [changed]\n");
  t.mock.timers.tick(1_000);
  assert.equal(w.changes(), 1);
});

test("an error event on a live watch switches to polling without crashing, and closes the watch", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  const { file } = folderWithFile(t);
  const spy = spiedWatch();
  const w = watched(t, [file], { watch: spy.watch, pollIntervalMs: 1_000 });
  assert.equal(w.watch.mode(), "watch");
  // As Node reports a watch that broke (EMFILE, a folder that went away): with no listener
  // this emit would throw and end the process.
  spy.made[0]?.emit(
    "error",
    Object.assign(new Error("EMFILE: too many open files"), { code: "EMFILE" }),
  );
  assert.equal(w.watch.mode(), "poll");
  assert.deepEqual(w.errors, [{ message: "EMFILE: too many open files", during: "watch" }]);
  assert.equal(spy.closed(), 1, "the broken watch is closed");
  renameOver(file, "services: [changed]\n");
  t.mock.timers.tick(1_000);
  assert.equal(w.changes(), 1);
});

test("close() stops everything: the watches are closed, and no change is reported after it", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  const { file } = folderWithFile(t);
  const spy = spiedWatch();
  const w = watched(t, [file], {
    watch: spy.watch,
    alwaysPoll: true,
    pollIntervalMs: 1_000,
    debounceMs: 0,
  });
  w.watch.close();
  assert.equal(spy.closed(), spy.made.length);
  renameOver(file, "services: [changed]\n");
  t.mock.timers.tick(10_000);
  assert.equal(w.changes(), 0);
});

test("a file that does not exist yet is a change when it appears, and when it goes", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  const { folder } = folderWithFile(t);
  const later = join(folder, "catalogue.yaml");
  const w = watched(t, [later], { watch: exhausted, pollIntervalMs: 1_000 });
  t.mock.timers.tick(1_000);
  assert.equal(w.changes(), 0);
  writeFileSync(later, "sites: []\n");
  t.mock.timers.tick(1_000);
  assert.equal(w.changes(), 1);
  rmSync(later);
  t.mock.timers.tick(1_000);
  assert.equal(w.changes(), 2);
});

test("an onChange that throws is reported, and the next change calls it again", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  const { file } = folderWithFile(t);
  let calls = 0;
  const errors: string[] = [];
  const watch = watchFiles(
    [file],
    () => {
      calls++;
      throw new Error(`reload ${calls} broke`);
    },
    {
      watch: exhausted,
      pollIntervalMs: 1_000,
      onError: (e, during) => errors.push(`${during}: ${e.message}`),
    },
  );
  t.after(() => watch.close());
  renameOver(file, "services: [one]\n");
  t.mock.timers.tick(1_000);
  renameOver(file, "services: [two]\n");
  t.mock.timers.tick(1_000);
  assert.equal(calls, 2);
  assert.deepEqual(errors.slice(1), ["change: reload 1 broke", "change: reload 2 broke"]);
});

const badOptions: { name: string; options: WatchFilesOptions }[] = [
  { name: "a poll interval below 10 ms is a RangeError", options: { pollIntervalMs: 5 } },
  {
    name: "a poll interval that is not a number is a RangeError",
    options: { pollIntervalMs: Number.NaN },
  },
  { name: "a negative debounce is a RangeError", options: { debounceMs: -1 } },
];

for (const row of badOptions) {
  test(row.name, () => {
    assert.throws(() => watchFiles([], () => {}, row.options), RangeError);
  });
}
