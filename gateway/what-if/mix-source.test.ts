// readMix over real files in a scratch directory: each format, the rates, and every bound.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import type { MixRow } from "../../routing-tables/simulate.ts";
import { DEMO_PLACES } from "../config/config-files.ts";
import type { RowContext } from "./mix-row.ts";
import {
  DEFAULT_MIX_LIMITS,
  type MixLimits,
  mixFormatOf,
  rateScale,
  readMix,
} from "./mix-source.ts";
import { PLACE_RPS } from "./places.ts";

const context: RowContext = {
  locate: (ip) => (ip === "198.51.100.161" ? { country: "TZ", region: "TZ-15" } : {}),
  defaultHost: "app.example.net",
  siteIds: new Set(["znz"]),
};

function file(t: TestContext, name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "gateway-mix-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function read(path: string, limits: Partial<MixLimits> = {}) {
  const rows: MixRow[] = [];
  const format = mixFormatOf(path);
  assert.ok(format, path);
  const report = await readMix(path, format, context, (r) => rows.push(r), {
    ...DEFAULT_MIX_LIMITS,
    ...limits,
  });
  return { rows, report };
}

test("CSV: a header names the fields; refused rows are listed by line and reading goes on", async (t) => {
  const path = file(
    t,
    "mix.csv",
    "# a comment\nip,host,rps\n198.51.100.161,app.example.net,3\nnope,x,1\n198.51.100.161,,2\n",
  );
  const { rows, report } = await read(path);
  assert.deepEqual(
    rows.map((r) => [r.group, r.host, r.rps]),
    [
      ["TZ-15", "app.example.net", 3],
      ["TZ-15", "app.example.net", 2],
    ],
  );
  assert.deepEqual(report.errors, [{ line: 4, message: "ip: not an IP address: nope" }]);
  assert.equal(report.summedRps, 5);
});

test("CSV: an unknown column refuses the whole file, naming it", async (t) => {
  const path = file(t, "mix.csv", "ip,hots\n1.2.3.4,x\n");
  await assert.rejects(read(path), /unknown column\(s\) hots/);
});

test("NDJSON: one object per line; an unknown field is a refused row", async (t) => {
  const path = file(t, "mix.ndjson", '{"country":"DE","rps":4}\n{"contry":"DE"}\n[1]\n');
  const { rows, report } = await read(path);
  assert.deepEqual(
    rows.map((r) => r.group),
    ["DE"],
  );
  assert.deepEqual(
    report.errors.map((e) => e.line),
    [2, 3],
  );
});

test("access log: request lines replay, other lines pass, the span turns counts into requests/s", async (t) => {
  const line = (time: number, client?: string) =>
    JSON.stringify({
      level: 30,
      time,
      msg: "request",
      host: "app.example.net",
      path: "/x?y=1",
      status: 200,
      ...(client && { client }),
    });
  const text = [
    JSON.stringify({ level: 30, time: 0, msg: "gateway listening" }),
    line(1_000, "198.51.100.161"),
    line(5_000, "198.51.100.161"),
    line(11_000, "198.51.100.161"),
    line(11_000),
  ].join("\n");
  const { rows, report } = await read(file(t, "access.log", text));
  assert.equal(rows.length, 3);
  assert.deepEqual(report.errors, [{ line: 5, message: "no client address (field client)" }]);
  assert.equal(report.spanSeconds, 10);
  assert.equal(rateScale(report), 1 / 10, "3 requests over 10 s");
  assert.equal(rateScale(report, 600), 200, "--total-rps 600 over 3 requests");
});

test("places: the demo's clients.json is one group per city at PLACE_RPS each", async () => {
  const { rows, report } = await read(DEMO_PLACES);
  assert.equal(report.badRows, 0);
  const zanzibar = rows.find((r) => r.group === "Zanzibar");
  assert.deepEqual(zanzibar?.client, {
    country: "TZ",
    region: "TZ-15",
    continent: "AF",
    latitude: -6.1659,
    longitude: 39.2026,
  });
  assert.ok(rows.every((r) => r.rps === PLACE_RPS));
});

test("bounds: file size, rows and line length; refused rows listed up to the cap, all counted", async (t) => {
  const path = file(
    t,
    "mix.ndjson",
    `${'{"country":"DE"}\n'.repeat(5)}${`{"label":"${"x".repeat(200)}"}\n`.repeat(30)}`,
  );
  await assert.rejects(read(path, { maxFileBytes: 100 }), /more than 100 \(--max-mix-bytes\)/);
  await assert.rejects(read(path, { maxRows: 4 }), /more than 4 rows/);
  const { rows, report } = await read(path, { maxLineChars: 100 });
  assert.equal(rows.length, 5);
  assert.equal(report.badRows, 30);
  assert.equal(report.errors.length, DEFAULT_MIX_LIMITS.maxErrorsListed);
  assert.deepEqual(report.errors[0], { line: 6, message: "line longer than 100 characters" });
});

test("the format follows the extension unless named", () => {
  assert.equal(mixFormatOf("a.csv"), "csv");
  assert.equal(mixFormatOf("a.jsonl"), "ndjson");
  assert.equal(mixFormatOf("gateway.log"), "access-log");
  assert.equal(mixFormatOf("a.txt"), undefined);
  assert.equal(mixFormatOf("a.txt", "csv"), "csv");
  assert.equal(mixFormatOf("a.csv", "excel"), undefined);
});
