// `gateway explain` over the reference world and the demo GeoIP database (see
// gateway/demo/geoip/clients.json for who is where), plus MaxMind's test database
// from ../shared/geoip when it is there.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { nearestAnnouncingSite } from "../../routing-tables/anycast-ingress.ts";
import { buildSnapshot, type SnapshotInput } from "../../routing-tables/snapshot.ts";
import {
  DEMO_GEOIP,
  loadWorld,
  REFERENCE_CATALOGUE,
  REFERENCE_POLICY,
} from "../config/config-files.ts";
import { explainCommand } from "./explain.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const SHARED_GEOIP = join(ROOT, "..", "shared", "geoip");

const ZANZIBAR = "198.51.100.161";
const LONDON = "198.51.100.97";
const PARIS = "198.51.100.113";
const NOWHERE = "192.0.2.1";

function run(args: readonly string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = explainCommand(args, {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
  });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** The --json answer; fails the test on a non-zero exit. */
function explainJson(args: readonly string[]) {
  const { code, out, err } = run([...args, "--json"]);
  assert.equal(code, 0, err);
  return JSON.parse(out);
}

interface Candidate {
  readonly site: string;
  readonly weight: number;
}

const sumOfWeights = (candidates: readonly Candidate[]) =>
  candidates.reduce((sum, c) => sum + c.weight, 0);

/** A fresh directory, removed when the test ends. */
function scratch(t: TestContext): string {
  const directory = mkdtempSync(join(tmpdir(), "gateway-explain-"));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  return directory;
}

test("a Zanzibar client is sent to znz, by its region pin and the Tanzania residency rule", () => {
  const answer = explainJson(["--ip", ZANZIBAR]);
  assert.equal(answer.client.region, "TZ-15");
  assert.equal(answer.ingress, "znz", "the nearest announcing site");
  assert.equal(answer.service, "web", "the first service's first host by default");
  assert.equal(answer.chosen, "znz");
  assert.equal(answer.blocked, null);
  assert.equal(answer.residency.rule, "tanzania-local-or-dubai");
  assert.equal(answer.residency.mode, "fail-closed");
  assert.deepEqual(answer.pin, ["znz", "dar", "dxb"], "the TZ-15 pin beats the TZ pin");
  assert.ok(Math.abs(sumOfWeights(answer.candidates) - 1) < 1e-6, "weights sum to 1");
  assert.deepEqual(answer.candidates.map((c: Candidate) => c.site).sort(), ["dar", "dxb", "znz"]);
});

test("the text explanation names the chosen site, the residency rule and the pin", () => {
  const { code, out } = run(["--ip", ZANZIBAR]);
  assert.equal(code, 0);
  const [head, ...rest] = out.split("\n");
  assert.equal(head, 'Client (TZ-15, AF) at ingress znz, service "web": send to znz.');
  assert.ok(rest.includes('Residency rule "tanzania-local-or-dubai" applies (fail-closed).'), out);
  assert.ok(rest.includes("Geo pin: znz → dar → dxb."), out);
});

test("without --ingress the ingress is the client's nearest site; --ingress overrides it", () => {
  const nearest = explainJson(["--ip", LONDON]);
  assert.equal(nearest.ingress, "lhr");
  assert.equal(nearest.chosen, "lhr");
  const given = explainJson(["--ip", LONDON, "--ingress", "fra"]);
  assert.equal(given.ingress, "fra");
  assert.equal(given.chosen, "fra", "nearest to the ingress, not to the client");
  const direct = explainJson(["--ip", LONDON, "--ingress", "fra", "--direct"]);
  assert.equal(direct.ingress, "fra");
  assert.equal(direct.chosen, "lhr", "--direct ranks by the client's own distance");
});

test("a Paris client received in Ashburn is still served inside the EU", () => {
  const answer = explainJson(["--ip", PARIS, "--ingress", "iad"]);
  assert.equal(answer.residency.rule, "eu-data-stays-in-eu");
  const eu = new Set(["cdg", "arn", "fra"]);
  assert.ok(eu.has(answer.chosen), answer.chosen);
  for (const candidate of answer.candidates) assert.ok(eu.has(candidate.site), candidate.site);
  assert.ok(Math.abs(sumOfWeights(answer.candidates) - 1) < 1e-6);
});

test("a client of unknown location without --ingress is exit 1 asking for --ingress", () => {
  const { code, out, err } = run(["--ip", NOWHERE]);
  assert.equal(code, 1);
  assert.equal(out, "");
  assert.equal(err, "gateway explain: client location unknown: give --ingress SITE");
});

test("a client of unknown location with --ingress is explained, as location unknown", () => {
  const { code, out } = run(["--ip", NOWHERE, "--ingress", "fra"]);
  assert.equal(code, 0);
  assert.match(out, /^Client \(location unknown\) at ingress fra, service "web": send to \w+\./);
  const answer = explainJson(["--ip", NOWHERE, "--ingress", "fra"]);
  assert.deepEqual(answer.client, {});
  assert.equal(answer.residency, null);
  assert.equal(answer.pin, null);
});

test("an unknown ingress site is exit 1 naming it", () => {
  const { code, err } = run(["--ip", LONDON, "--ingress", "nowhere"]);
  assert.equal(code, 1);
  assert.equal(err, 'gateway explain: unknown ingress site "nowhere"');
});

test("text that is not an IP address is exit 1 with a message, not a crash", () => {
  const { code, err } = run(["--ip", "not-an-ip"]);
  assert.equal(code, 1);
  assert.equal(err, "gateway explain: not an IP address: not-an-ip");
});

test("a host no service serves is blocked as unknown_host", () => {
  const answer = explainJson(["--ip", LONDON, "--host", "nope.example.org"]);
  assert.equal(answer.host, "nope.example.org");
  assert.equal(answer.blocked, "unknown_host");
  assert.equal(answer.chosen, null);
  assert.deepEqual(answer.candidates, []);
});

test("no --ip, or an unknown option, is a usage error (exit 2)", () => {
  const none = run([]);
  assert.equal(none.code, 2);
  assert.match(none.err, /^usage: gateway explain --ip ADDR/);
  const unknown = run(["--ip", LONDON, "--bogus"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /--bogus/);
});

test("a GeoIP file that is not a database is exit 1 naming the file", () => {
  const { code, err } = run(["--ip", LONDON, "--geoip", REFERENCE_POLICY]);
  assert.equal(code, 1);
  assert.ok(err.includes(REFERENCE_POLICY), err);
});

test("a GeoIP database corrupted past its header is exit 1 with a message, never a crash", (t) => {
  const bytes = readFileSync(DEMO_GEOIP);
  const quarter = Math.floor(bytes.length / 4);
  bytes.fill(0, quarter, 3 * quarter);
  const corrupt = join(scratch(t), "zeroed-middle.mmdb");
  writeFileSync(corrupt, bytes);
  // The header check cannot see this damage: IPv4 look-ups fail, IPv6 ones find nothing.
  for (const ip of [ZANZIBAR, "2001:db8:b::1"]) {
    const { code, err } = run(["--ip", ip, "--geoip", corrupt]);
    assert.equal(code, 1, ip);
    assert.match(err, /^gateway explain: /, ip);
  }
});

test("a catalogue with errors is exit 1 with every error located", (t) => {
  const catalogue = join(scratch(t), "catalogue.yaml");
  const text = readFileSync(REFERENCE_CATALOGUE, "utf8").replace("capacity: 400", "capacity: 0");
  writeFileSync(catalogue, text);
  const { code, out, err } = run(["--ip", LONDON, "--catalogue", catalogue]);
  assert.equal(code, 1);
  assert.equal(out, "");
  assert.match(err, new RegExp(`^${catalogue}:\\d+:\\d+: sites\\[0\\]\\.capacity: `));
});

test("the nearest announcing site skips draining, down and compromised sites", () => {
  const world = loadWorld(REFERENCE_CATALOGUE, REFERENCE_POLICY);
  if (!world.ok) assert.fail(JSON.stringify(world.errors));
  const london = { country: "GB", latitude: 51.5074, longitude: -0.1278 };
  const nearest = (input: Partial<SnapshotInput>) =>
    nearestAnnouncingSite(buildSnapshot({ version: 1, ...world, ...input }), london);
  assert.equal(nearest({}), "lhr");
  assert.equal(nearest({ health: { lhr: { state: "degraded", fraction: 0.5 } } }), "lhr");
  assert.equal(nearest({ overrides: { lhr: { draining: true } } }), "cdg");
  assert.equal(
    nearest({
      overrides: { lhr: { draining: true }, fra: { compromised: true } },
      health: { cdg: { state: "down", fraction: 0 } },
    }),
    "arn",
  );
  assert.equal(
    nearestAnnouncingSite(buildSnapshot({ version: 1, ...world }), { country: "GB" }),
    undefined,
    "no coordinates: no nearest site",
  );
});

test("MaxMind's test database: 81.2.69.142 is a London client, sent to lhr", (t) => {
  if (!existsSync(SHARED_GEOIP)) {
    t.skip("../shared/geoip is absent (fresh clone): skipping MaxMind test-database checks");
    return;
  }
  const geoip = join(SHARED_GEOIP, "GeoLite2-City-Test.mmdb");
  const answer = explainJson(["--ip", "81.2.69.142", "--geoip", geoip]);
  assert.equal(answer.client.country, "GB");
  assert.equal(answer.ingress, "lhr");
  assert.equal(answer.chosen, "lhr");
});

test("--state dar=down: a Dar es Salaam client arrives at znz and is served there, in Tanzania", () => {
  const healthy = explainJson(["--ip", "198.51.100.145"]);
  assert.equal(healthy.chosen, "dar");
  const answer = explainJson(["--ip", "198.51.100.145", "--state", "dar=down"]);
  assert.equal(answer.ingress, "znz", "dar no longer announces");
  assert.equal(answer.chosen, "znz");
  assert.ok(
    answer.excluded.some(
      (e: { site: string; reason: string }) => e.site === "dar" && e.reason === "down",
    ),
  );
});

test("a --state naming an unknown site or state is exit 1 saying which", () => {
  const { code, err } = run(["--ip", LONDON, "--state", "xyz=down,lhr=sideways"]);
  assert.equal(code, 1);
  assert.match(err, /"xyz": no such site/);
  assert.match(err, /lhr: "sideways"/);
});
