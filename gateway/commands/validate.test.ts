// `gateway validate`: through validateCommand with a capturing io, and once through the real bin.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { PKI_SKIP, testPair } from "../testing/test-pki.ts";
import type { CommandIo } from "./io.ts";
import { validateCommand } from "./validate.ts";

const ROOT = join(import.meta.dirname, "..", "..");

const CATALOGUE = `sites:
  - id: edge-a
    name: Edge A
    country: FR
    jurisdiction: EU
    latitude: 48.8
    longitude: 2.3
    tier: edge
    capacity: 100
    backends: ["10.0.0.1:8080"]
  - id: hub-b
    name: Hub B
    country: DE
    jurisdiction: EU
    latitude: 50.1
    longitude: 8.7
    tier: hub
    capacity: 1000
    backends: ["10.0.0.2:8080"]
`;

const POLICY = `services:
  - name: web
    hosts: [app.example.net]
  - name: api
    hosts: [api.example.net]
`;

/** One error: a capacity of 0, at line 9 column 15. */
const BAD_CATALOGUE = CATALOGUE.replace("capacity: 100", "capacity: 0");
/** Two errors: an overprovisioning factor below 1 (line 2), a path prefix without / (line 6). */
const BAD_POLICY = `defaults:
  overprovisioningFactor: 0.5
services:
  - name: web
    hosts: [app.example.net]
    pathPrefix: api
`;

interface Captured {
  readonly io: CommandIo;
  readonly out: string[];
  readonly err: string[];
}

/** Lines written to out and err (a text with newlines counts as several lines). */
function capture(): Captured {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      out: (text) => out.push(...text.split("\n")),
      err: (text) => err.push(...text.split("\n")),
    },
    out,
    err,
  };
}

/** A fresh directory holding the given files, removed when the test ends. */
function writeFiles(t: TestContext, files: Record<string, string>): Record<string, string> {
  const directory = mkdtempSync(join(tmpdir(), "gateway-validate-"));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  const paths: Record<string, string> = {};
  for (const [name, text] of Object.entries(files)) {
    paths[name] = join(directory, name);
    writeFileSync(join(directory, name), text);
  }
  return paths;
}

function run(args: readonly string[]) {
  const captured = capture();
  const code = validateCommand(args, captured.io);
  return { code, out: captured.out, err: captured.err };
}

test("a valid catalogue and policy: exit 0 and one ok line, nothing on err", (t) => {
  const files = writeFiles(t, { "catalogue.yaml": CATALOGUE, "policy.yaml": POLICY });
  const { code, out, err } = run([files["catalogue.yaml"] ?? "", files["policy.yaml"] ?? ""]);
  assert.equal(code, 0);
  assert.deepEqual(out, ["gateway: configuration ok: 2 sites (1 edge, 1 hub), 2 services"]);
  assert.deepEqual(err, []);
});

test("a catalogue alone is ok, and says the cross-references were not checked", (t) => {
  const files = writeFiles(t, { "catalogue.yaml": CATALOGUE });
  const { code, out } = run([files["catalogue.yaml"] ?? ""]);
  assert.equal(code, 0);
  assert.deepEqual(out, [
    "gateway: configuration ok: 2 sites (1 edge, 1 hub) (cross-references not checked: give catalogue and policy)",
  ]);
});

test("invalid files: exit 1, each error as file:line:col: on err, then the summary", (t) => {
  const files = writeFiles(t, { "catalogue.yaml": BAD_CATALOGUE, "policy.yaml": BAD_POLICY });
  const catalogue = files["catalogue.yaml"] ?? "";
  const policy = files["policy.yaml"] ?? "";
  const { code, out, err } = run([policy, catalogue]);
  assert.equal(code, 1);
  assert.deepEqual(out, []);
  assert.deepEqual(
    err.slice(0, -1).map((line) => line.split(": ").slice(0, 2).join(": ")),
    [
      `${catalogue}:9:15: sites[0].capacity`,
      `${policy}:2:27: defaults.overprovisioningFactor`,
      `${policy}:6:17: services[0].pathPrefix`,
    ],
  );
  assert.equal(err.at(-1), "gateway: 3 errors; configuration not applied");
});

test("a single error is summed up as 1 error", (t) => {
  const files = writeFiles(t, { "catalogue.yaml": BAD_CATALOGUE });
  const { code, err } = run([files["catalogue.yaml"] ?? ""]);
  assert.equal(code, 1);
  assert.equal(err.length, 2);
  assert.match(err[0] ?? "", /^.*catalogue\.yaml:9:15: sites\[0\]\.capacity: .*>=1$/);
  assert.equal(err[1], "gateway: 1 error; configuration not applied");
});

test("--json prints ok and every error as JSON, with the same exit codes", (t) => {
  const files = writeFiles(t, {
    "catalogue.yaml": CATALOGUE,
    "policy.yaml": POLICY,
    "bad-catalogue.yaml": BAD_CATALOGUE,
  });
  const good = run(["--json", files["catalogue.yaml"] ?? "", files["policy.yaml"] ?? ""]);
  assert.equal(good.code, 0);
  assert.deepEqual(JSON.parse(good.out.join("\n")), { ok: true, errors: [] });
  assert.deepEqual(good.err, []);

  const bad = run([files["bad-catalogue.yaml"] ?? "", "--json"]);
  assert.equal(bad.code, 1);
  assert.deepEqual(bad.err, [], "with --json, errors go to out as JSON");
  const report = JSON.parse(bad.out.join("\n"));
  assert.equal(report.ok, false);
  assert.equal(report.errors.length, 1);
  const [error] = report.errors;
  assert.deepEqual(
    { file: error.file, line: error.line, column: error.column, path: error.path },
    { file: files["bad-catalogue.yaml"], line: 9, column: 15, path: "sites[0].capacity" },
  );
  assert.match(error.message, />=1/);
});

test("no files is a usage error: exit 2 and the usage on err", () => {
  const { code, out, err } = run([]);
  assert.equal(code, 2);
  assert.deepEqual(out, []);
  assert.match(err[0] ?? "", /^usage: gateway validate/);
});

test("an unknown option is a usage error that names it", () => {
  const { code, err } = run(["--strict", "catalogue.yaml"]);
  assert.equal(code, 2);
  assert.match(err[0] ?? "", /^gateway validate: .*--strict/);
  assert.ok(err.some((line) => line.startsWith("usage: gateway validate")));
});

test("a file that cannot be read is an error naming it, beside the other files' errors", (t) => {
  const files = writeFiles(t, { "catalogue.yaml": BAD_CATALOGUE });
  const missing = join(tmpdir(), "gateway-validate-no-such-dir", "policy.yaml");
  const { code, err } = run([files["catalogue.yaml"] ?? "", missing]);
  assert.equal(code, 1);
  assert.equal(err.length, 3, err.join("\n"));
  // Errors come sorted by file, so which of the two comes first depends on the paths.
  assert.ok(
    err.some((line) => line.startsWith(`${missing}: cannot read: ENOENT`)),
    err.join("\n"),
  );
  assert.ok(
    err.some((line) => line.startsWith(`${files["catalogue.yaml"]}:9:15: sites[0].capacity: `)),
    err.join("\n"),
  );
  assert.equal(err[2], "gateway: 2 errors; configuration not applied");
});

test("a directory given as a file is an error naming it, not a crash", (t) => {
  const files = writeFiles(t, { "catalogue.yaml": CATALOGUE });
  const directory = join(files["catalogue.yaml"] ?? "", "..");
  const { code, err } = run([directory]);
  assert.equal(code, 1);
  assert.match(err[0] ?? "", /: cannot read: EISDIR/);
  assert.ok(err[0]?.startsWith(`${directory}: `));
});

test("the gateway bin validates the reference world (exit 0) and rejects a bad file (exit 1)", (t) => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, ["gateway/cli.ts", "validate", ...args], {
      cwd: ROOT,
      encoding: "utf8",
    });
  const good = cli(
    "routing-tables/reference-world/catalogue.yaml",
    "routing-tables/reference-world/policy.yaml",
  );
  assert.equal(good.status, 0, good.stderr);
  assert.equal(good.stdout, "gateway: configuration ok: 16 sites (13 edge, 3 hubs), 3 services\n");
  assert.equal(good.stderr, "");

  const files = writeFiles(t, { "catalogue.yaml": BAD_CATALOGUE });
  const bad = cli(files["catalogue.yaml"] ?? "");
  assert.equal(bad.status, 1, bad.stderr);
  assert.equal(bad.stdout, "");
  const lines = bad.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 2, bad.stderr);
  assert.ok(lines[0]?.startsWith(`${files["catalogue.yaml"]}:9:15: sites[0].capacity: `));
  assert.equal(lines[1], "gateway: 1 error; configuration not applied");
});

test("--boot checks the boot config and the files it names, with its own site among the sites", (t) => {
  const boot = (site: string) =>
    `site: ${site}\ncatalogue: catalogue.yaml\npolicy: policy.yaml\nlisten: { port: 0 }\n`;
  const files = writeFiles(t, {
    "catalogue.yaml": CATALOGUE,
    "policy.yaml": POLICY,
    "good.yaml": boot("edge-a"),
    "stranger.yaml": boot("zzz"),
    "broken.yaml": "site: [\n",
    "no-geoip.yaml": `${boot("edge-a")}geoip: missing.mmdb\n`,
  });
  const good = run(["--boot", files["good.yaml"] ?? ""]);
  assert.equal(good.code, 0, good.err.join("\n"));
  assert.deepEqual(good.out, ["gateway: configuration ok: 2 sites (1 edge, 1 hub), 2 services"]);

  const stranger = run(["--boot", files["stranger.yaml"] ?? ""]);
  assert.equal(stranger.code, 1);
  assert.match(stranger.err[0] ?? "", /catalogue\.yaml: this gateway's own site "zzz" is not in/);

  const broken = run(["--boot", files["broken.yaml"] ?? ""]);
  assert.equal(broken.code, 1);
  assert.match(broken.err[0] ?? "", /broken\.yaml:/);

  const noGeoip = run(["--boot", files["no-geoip.yaml"] ?? ""]);
  assert.equal(noGeoip.code, 1);
  assert.match(noGeoip.err[0] ?? "", /missing\.mmdb: GeoIP database refused: /);

  assert.equal(run(["--boot", files["good.yaml"] ?? "", files["catalogue.yaml"] ?? ""]).code, 2);
});

test("--boot checks the TLS files: a certificate whose key is another's is refused with its file", {
  skip: PKI_SKIP,
}, (t) => {
  const good = testPair("validate-good", { hosts: ["www.example.test"] });
  const other = testPair("validate-other", { hosts: ["other.test"] });
  const tls = (pair: { cert: string; key: string }) =>
    `site: edge-a\ncatalogue: catalogue.yaml\npolicy: policy.yaml\ntls:\n  enabled: true\n  certificates: [{ cert: ${pair.cert}, key: ${pair.key} }]\n`;
  const files = writeFiles(t, {
    "catalogue.yaml": CATALOGUE,
    "policy.yaml": POLICY,
    "tls.yaml": tls(good),
    "mismatch.yaml": tls({ cert: good.cert, key: other.key }),
  });
  assert.equal(run(["--boot", files["tls.yaml"] ?? ""]).code, 0);
  const mismatch = run(["--boot", files["mismatch.yaml"] ?? ""]);
  assert.equal(mismatch.code, 1);
  assert.match(
    mismatch.err[0] ?? "",
    /validate-good\.pem: refused: the key does not match the certificate/,
  );
});

test("--boot tries the TLS protocol settings: a cipher list or curve OpenSSL refuses is an error at the boot file", {
  skip: PKI_SKIP,
}, (t) => {
  const good = testPair("validate-good", { hosts: ["www.example.test"] });
  const tls = (extra: string) =>
    `site: edge-a\ncatalogue: catalogue.yaml\npolicy: policy.yaml\ntls:\n  enabled: true\n  certificates: [{ cert: ${good.cert}, key: ${good.key} }]\n${extra}`;
  const files = writeFiles(t, {
    "catalogue.yaml": CATALOGUE,
    "policy.yaml": POLICY,
    "ciphers.yaml": tls("  ciphers: NO-SUCH-CIPHER\n"),
    "curves.yaml": tls("  curves: no-such-curve\n"),
  });
  for (const name of ["ciphers.yaml", "curves.yaml"]) {
    const result = run(["--boot", files[name] ?? ""]);
    assert.equal(result.code, 1, name);
    assert.match(
      result.err.join("\n"),
      new RegExp(`${name}.*OpenSSL refuses the protocol settings`),
    );
  }
});
