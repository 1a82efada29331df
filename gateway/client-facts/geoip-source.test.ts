// openGeoipSource over copies of the demo database in temporary directories; MaxMind's test
// databases from ../shared when present. fs.watch tests poll for the generation (no fixed
// sleeps); polling and close() are driven with node:test mock timers.
import assert from "node:assert/strict";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { pseudoRandomBytes } from "../../routing-tables/testing/random.ts";
import { DEMO_GEOIP } from "../config/config-files.ts";
import { eventually } from "../testing/fixtures.ts";
import { mmdbFile, pointerBomb } from "../testing/mmdb-bytes.ts";
import {
  type GeoipSource,
  type GeoipSourceOptions,
  mergeGeoipStatuses,
  openGeoipSource,
} from "./geoip-source.ts";

const SHARED_GEOIP = join(import.meta.dirname, "../../../shared/geoip");
const ZANZIBAR = "198.51.100.161"; // TZ in the demo database, unknown in MaxMind's
const LONDON = "81.2.69.142"; // GB in MaxMind's City test database, unknown in the demo's

/** A directory holding a copy of the demo database as city.mmdb, removed after the test. */
function demoCopy(t: TestContext): string {
  const directory = mkdtempSync(join(tmpdir(), "geoip-source-"));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  const file = join(directory, "city.mmdb");
  copyFileSync(DEMO_GEOIP, file);
  return file;
}

/** Replaces `file` as database updates do: a new file in the same directory, renamed over. */
function renameOver(file: string, bytes: Buffer): void {
  writeFileSync(`${file}.new`, bytes);
  renameSync(`${file}.new`, file);
}

function open(t: TestContext, file: string, options?: GeoipSourceOptions): GeoipSource {
  const source = openGeoipSource(file, options);
  t.after(() => source.close());
  return source;
}

/** MaxMind's City test database, or undefined after skipping when ../shared is absent. */
function maxmindCity(t: TestContext): Buffer | undefined {
  const file = join(SHARED_GEOIP, "GeoLite2-City-Test.mmdb");
  if (existsSync(file)) return readFileSync(file);
  t.skip("../shared absent");
  return undefined;
}

test("a file that is not a database fails at open, naming the file", (t) => {
  const file = demoCopy(t);
  writeFileSync(file, "not a database");
  assert.throws(
    () => openGeoipSource(file),
    (e: Error) => e.message.includes(file),
  );
});

test("the first database is generation 1, loaded at the injected clock's time", (t) => {
  const file = demoCopy(t);
  const source = open(t, file, { now: () => 1_000 });
  assert.deepEqual(source.current(), { file, loadedAtMs: 1_000, generation: 1 });
  assert.equal(source.locate(ZANZIBAR).country, "TZ");
  assert.equal(source.lastError(), undefined);
});

test("locateNetwork answers the location with its network's prefix length", (t) => {
  const source = open(t, demoCopy(t));
  const answer = source.locateNetwork(ZANZIBAR);
  assert.deepEqual([answer.location.region, answer.prefixLength], ["TZ-15", 28]);
  assert.equal(source.locateNetwork(ZANZIBAR), answer, "the cached answer itself");
});

test("reload with a different database swaps answers and generation", (t) => {
  const file = demoCopy(t);
  let clock = 1_000;
  const reloads: boolean[] = [];
  const source = open(t, file, { now: () => clock, onReload: (ok) => reloads.push(ok) });
  const city = maxmindCity(t);
  if (!city) return;
  renameOver(file, city);
  clock = 2_000;
  assert.deepEqual(source.reload(), { ok: true });
  assert.deepEqual(source.current(), { file, loadedAtMs: 2_000, generation: 2 });
  assert.equal(source.locate(LONDON).country, "GB");
  assert.deepEqual(source.locate(ZANZIBAR), {});
  assert.deepEqual(reloads, [true]);
});

test("reload of a re-copied database increments the generation with a fresh cache", (t) => {
  const file = demoCopy(t);
  const source = open(t, file);
  source.locate(ZANZIBAR);
  source.locate(ZANZIBAR);
  assert.deepEqual(source.stats(), { hits: 1, misses: 1, size: 1 });
  renameOver(file, readFileSync(DEMO_GEOIP));
  assert.deepEqual(source.reload(), { ok: true });
  assert.equal(source.current().generation, 2);
  assert.deepEqual(source.stats(), { hits: 0, misses: 0, size: 0 });
  assert.equal(source.locate(ZANZIBAR).country, "TZ");
});

function skipShared(t: TestContext): undefined {
  t.skip("../shared absent");
}

const brokenFiles: { name: string; bytes: (t: TestContext) => Buffer | undefined }[] = [
  { name: "a truncated copy", bytes: () => readFileSync(DEMO_GEOIP).subarray(0, 3_000) },
  { name: "an empty file", bytes: () => Buffer.alloc(0) },
  { name: "4 KiB of pseudo-random bytes", bytes: () => pseudoRandomBytes(4096) },
  ...(existsSync(join(SHARED_GEOIP, "broken"))
    ? readdirSync(join(SHARED_GEOIP, "broken")).map((name) => ({
        name: `MaxMind's ${name}`,
        bytes: () => readFileSync(join(SHARED_GEOIP, "broken", name)),
      }))
    : [{ name: "MaxMind's broken databases", bytes: skipShared }]),
];

for (const broken of brokenFiles) {
  test(`reload over ${broken.name} keeps the old answers and reports the error`, (t) => {
    const file = demoCopy(t);
    const reported: (Error | undefined)[] = [];
    const source = open(t, file, { onReload: (_ok, error) => reported.push(error) });
    const bytes = broken.bytes(t);
    if (!bytes) return;
    renameOver(file, bytes);
    const result = source.reload();
    assert.equal(result.ok, false);
    const error = result.ok ? undefined : result.error;
    assert.ok(error?.message.includes(file), `"${error?.message}" names ${file}`);
    assert.equal(source.lastError(), error);
    assert.deepEqual(reported, [error]);
    assert.equal(source.current().generation, 1);
    assert.equal(source.locate(ZANZIBAR).country, "TZ");
  });
}

test("a good file after a failed reload is loaded and clears the error", (t) => {
  const file = demoCopy(t);
  const source = open(t, file);
  renameOver(file, Buffer.from("broken"));
  assert.equal(source.reload().ok, false);
  renameOver(file, readFileSync(DEMO_GEOIP));
  assert.deepEqual(source.reload(), { ok: true });
  assert.equal(source.lastError(), undefined);
  assert.equal(source.current().generation, 2);
});

test("status() counts refused reloads and shows the standing error, for /sites and the metrics", (t) => {
  const file = demoCopy(t);
  const source = open(t, file);
  assert.deepEqual(
    { ...source.status(), loadedAtMs: 0 },
    { file, loadedAtMs: 0, generation: 1, rejectedReloads: 0, lastError: null, lookupFailures: 0 },
  );
  const bomb = pointerBomb(24);
  renameOver(file, mmdbFile(bomb.data, bomb.record));
  assert.equal(source.reload().ok, false);
  const refused = source.status();
  assert.equal(refused.rejectedReloads, 1);
  assert.match(refused.lastError ?? "", /expands to more than/);
  renameOver(file, readFileSync(DEMO_GEOIP));
  assert.equal(source.reload().ok, true);
  assert.deepEqual(
    [source.status().rejectedReloads, source.status().lastError, source.status().generation],
    [1, null, 2],
  );
});

test("watch mode picks up a rename-over through fs.watch", async (t) => {
  const file = demoCopy(t);
  const source = open(t, file, { watch: true, debounceMs: 20, pollIntervalMs: 600_000 });
  renameOver(file, readFileSync(DEMO_GEOIP));
  await eventually(() => source.current().generation === 2, 10_000, "generation 2");
  assert.equal(source.locate(ZANZIBAR).country, "TZ");
});

test("watch mode reports a broken rename-over, then recovers on a good one", async (t) => {
  const file = demoCopy(t);
  const reloads: boolean[] = [];
  const options = { watch: true, debounceMs: 20, pollIntervalMs: 600_000 };
  const source = open(t, file, { ...options, onReload: (ok) => reloads.push(ok) });
  renameOver(file, readFileSync(DEMO_GEOIP).subarray(0, 3_000));
  await eventually(() => source.lastError() !== undefined, 10_000, "the reload error");
  assert.equal(source.locate(ZANZIBAR).country, "TZ");
  renameOver(file, readFileSync(DEMO_GEOIP));
  await eventually(() => source.current().generation === 2, 10_000, "generation 2");
  assert.equal(source.lastError(), undefined);
  assert.deepEqual(reloads, [false, true]);
});

test("polling picks up a rename-over that no directory event reported", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  const file = demoCopy(t);
  // The debounce outlasts the test, so only the poll can reload.
  const source = open(t, file, { watch: true, debounceMs: 3_600_000, pollIntervalMs: 1_000 });
  t.mock.timers.tick(1_000);
  assert.equal(source.current().generation, 1, "an unchanged file is not reloaded");
  renameOver(file, readFileSync(DEMO_GEOIP));
  t.mock.timers.tick(1_000);
  assert.equal(source.current().generation, 2);
});

test("polling tries a broken file once, not at every poll", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  const file = demoCopy(t);
  const reloads: boolean[] = [];
  const options = { watch: true, debounceMs: 3_600_000, pollIntervalMs: 1_000 };
  open(t, file, { ...options, onReload: (ok) => reloads.push(ok) });
  renameOver(file, Buffer.from("broken"));
  for (let i = 0; i < 5; i++) t.mock.timers.tick(1_000);
  assert.deepEqual(reloads, [false]);
});

test("after close() a changed file is not reloaded, and look-ups still answer", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  const file = demoCopy(t);
  const source = open(t, file, { watch: true, debounceMs: 0, pollIntervalMs: 1_000 });
  source.close();
  renameOver(file, readFileSync(DEMO_GEOIP));
  t.mock.timers.tick(10_000);
  assert.equal(source.current().generation, 1);
  assert.equal(source.locate(ZANZIBAR).country, "TZ");
});

test("a poll interval below 10 ms or a negative debounce is a RangeError", () => {
  assert.throws(() => openGeoipSource(DEMO_GEOIP, { pollIntervalMs: 5 }), RangeError);
  assert.throws(() => openGeoipSource(DEMO_GEOIP, { debounceMs: -1 }), RangeError);
});

test("mergeGeoipStatuses: one status for the gateway from its data planes'", () => {
  const base = {
    file: "/x.mmdb",
    loadedAtMs: 1,
    generation: 2,
    rejectedReloads: 0,
    lastError: null,
    lookupFailures: 1,
  };
  assert.equal(mergeGeoipStatuses([]), null);
  assert.equal(mergeGeoipStatuses([null, null]), null);
  assert.deepEqual(mergeGeoipStatuses([base, null]), base);
  const behind = {
    ...base,
    generation: 1,
    rejectedReloads: 1,
    lastError: "bad",
    lookupFailures: 2,
  };
  assert.deepEqual(mergeGeoipStatuses([base, behind]), {
    ...behind,
    rejectedReloads: 1,
    lastError: "bad",
    lookupFailures: 3,
  });
});
