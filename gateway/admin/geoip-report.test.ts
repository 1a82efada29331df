// The GeoIP database as the admin API shows it: refused reloads in /sites and /metrics, and
// /explain when a look-up fails. Real gateways on 127.0.0.1 port 0 (fixtures.ts), a real
// GeoIP source over a copy of the demo database and a crafted one (mmdb-bytes.ts).
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { openGeoipSource } from "../client-facts/geoip-source.ts";
import { DEMO_GEOIP } from "../config/config-files.ts";
import { startTestWorld } from "../testing/fixtures.ts";
import { mmdbFile, pointerBomb } from "../testing/mmdb-bytes.ts";

const SITES = [
  { id: "west", longitude: 0 },
  { id: "hub", tier: "hub", longitude: 10 },
] as const;

function demoCopy(t: { after: (fn: () => void) => void }): string {
  const folder = mkdtempSync(join(tmpdir(), "geoip-report-"));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const file = join(folder, "city.mmdb");
  copyFileSync(DEMO_GEOIP, file);
  return file;
}

/** The value of an unlabelled sample in a Prometheus text exposition. */
const sample = (text: string, name: string) =>
  Number(/^(\S+) (\S+)$/m.exec(text.split("\n").find((l) => l.startsWith(`${name} `)) ?? "")?.[2]);

test("a refused GeoIP reload shows in /sites and in /metrics, not only in the log", async (t) => {
  const file = demoCopy(t);
  const geoip = openGeoipSource(file);
  t.after(() => geoip.close());
  const w = await startTestWorld({ sites: SITES, locate: geoip.locate, geoip });
  t.after(() => w.close());
  const admin = w.gateway("west").adminUrl;
  const bomb = pointerBomb(24);
  writeFileSync(`${file}.new`, mmdbFile(bomb.data, bomb.record));
  renameSync(`${file}.new`, file);
  assert.equal(geoip.reload().ok, false);

  const sites = (await (await fetch(`${admin}/sites`)).json()) as {
    geoip: { file: string; generation: number; rejectedReloads: number; lastError: string };
  };
  assert.equal(sites.geoip.file, file);
  assert.equal(sites.geoip.generation, 1, "the last good database serves");
  assert.equal(sites.geoip.rejectedReloads, 1);
  assert.match(sites.geoip.lastError, /expands to more than/);

  const metrics = await (await fetch(`${admin}/metrics`)).text();
  assert.equal(sample(metrics, "gateway_geoip_reloads_rejected_total"), 1);
  assert.equal(sample(metrics, "gateway_geoip_rejected"), 1);
  assert.equal(sample(metrics, "gateway_geoip_lookup_failures_total"), 0);
});

test("/explain for an address whose look-up fails says location unknown, not 'not an IP address'", async (t) => {
  // Regression (issue 11): a record that overflowed the stack made /explain answer 400
  // "not an IP address" for a perfectly good address.
  const locate = () => {
    throw new RangeError("Maximum call stack size exceeded");
  };
  const w = await startTestWorld({ sites: SITES, locate });
  t.after(() => w.close());
  const admin = w.gateway("west").adminUrl;
  const res = await fetch(`${admin}/explain?ip=198.51.100.161`);
  const body = (await res.json()) as { ip: string; client?: unknown };
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.ip, "198.51.100.161");
  const garbage = await fetch(`${admin}/explain?ip=not-an-ip`);
  assert.equal(garbage.status, 400);
  assert.match(await garbage.text(), /not an IP address/);
});
