/**
 * deploy/ checked against the real tools where the machine has them (envsubst, ExaBGP,
 * BIRD, systemd-analyze; each check skips, saying why, where its tool is absent) and against
 * the gateway itself (`gateway validate --boot`, run as ops would): a template that drifts
 * from the gateway fails here, not at a site's first rollout. deploy/ imports no code of the
 * gateway's; it runs its command.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { onPath } from "./lab/lab-prerequisites.ts";
import { referenceSiteIds, staleEnvFiles } from "./sites/site-env.ts";

const DEPLOY = new URL("./", import.meta.url).pathname;
const ROOT = new URL("../", import.meta.url).pathname;
const SITES = referenceSiteIds();

function rendered(t: { after: (fn: () => void) => void }, site: string): string {
  const root = mkdtempSync(join(tmpdir(), "deploy-render-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const result = spawnSync(
    "sh",
    [join(DEPLOY, "render-site.sh"), join(DEPLOY, `sites/${site}.env`), root],
    {
      encoding: "utf8",
    },
  );
  assert.equal(result.status, 0, result.stderr);
  return root;
}

test("every reference-world site has a current environment file, and no other file is there", () => {
  assert.deepEqual(staleEnvFiles(), [], "run: node deploy/sites/site-env.ts");
  assert.equal(SITES.length, 16);
});

test("every site renders: no variable left, a boot config the gateway accepts, Consul JSON that parses", (t) => {
  if (!onPath("envsubst")) return t.skip("envsubst is absent (apt-get install -y gettext-base)");
  if (!onPath("openssl")) return t.skip("openssl is absent (apt-get install -y openssl)");
  for (const site of SITES) {
    const root = rendered(t, site);
    for (const file of [
      "gateway/gateway.yaml",
      "exabgp/exabgp.conf",
      "consul.d/gateway.json",
      "consul.d/backend.json",
      "consul.d/gateway-metrics.json",
      "nginx/conf.d/gateway-metrics.conf",
      "gateway/consul-acl-gateway.hcl",
    ])
      assert.doesNotMatch(
        readFileSync(join(root, "etc", file), "utf8"),
        /\$\{/,
        `${site}: ${file}`,
      );
    const boot = validBoot(root, site);
    const gateway = JSON.parse(readFileSync(join(root, "etc/consul.d/gateway.json"), "utf8"));
    const readyCheck = gateway.service.checks.find((c: { http: string }) =>
      c.http.endsWith("/readyz"),
    );
    assert.equal(readyCheck?.http, `http://${boot.admin.host}:${boot.admin.port}/readyz`);
    const backend = JSON.parse(readFileSync(join(root, "etc/consul.d/backend.json"), "utf8"));
    assert.equal(backend.service.port, 8080);
    const metrics = JSON.parse(
      readFileSync(join(root, "etc/consul.d/gateway-metrics.json"), "utf8"),
    );
    const proxy = readFileSync(join(root, "etc/nginx/conf.d/gateway-metrics.conf"), "utf8");
    const listen = /^\s*listen (\S+):(\d+);$/m.exec(proxy);
    assert.deepEqual(
      [listen?.[1], Number(listen?.[2])],
      [metrics.service.address, metrics.service.port],
      `${site}: Prometheus finds the proxy where it listens`,
    );
    assert.equal(metrics.service.meta.site, site);
    assert.match(
      proxy,
      new RegExp(`proxy_pass http://${boot.admin.host}:${boot.admin.port}/metrics;`),
    );
    const fleet = readFileSync(join(root, "etc/gateway/gateway.yaml"), "utf8");
    assert.match(
      fleet,
      /^ {2}controlDatacenters: \[fra,iad,dxb\]$/m,
      `${site}: the hubs hold the fleet`,
    );
    assert.match(fleet, /^stateDirectory: \/var\/lib\/gateway$/m, "the unit's StateDirectory");
  }
});

test("a site's gateway token reads the fleet and writes only its own entry; ops write the rest", (t) => {
  if (!onPath("envsubst")) return t.skip("envsubst is absent (apt-get install -y gettext-base)");
  const policy = readFileSync(
    join(rendered(t, "znz"), "etc/gateway/consul-acl-gateway.hcl"),
    "utf8",
  );
  const rules = [...policy.matchAll(/^(key|key_prefix) "([^"]*)" \{\n\s*policy = "(\w+)"/gm)].map(
    (m) => `${m[1]} ${m[2]} ${m[3]}`,
  );
  assert.deepEqual(rules, ["key_prefix gateway/ read", "key gateway/sites/znz write"]);
  const ops = readFileSync(join(DEPLOY, "consul/acl-ops.hcl"), "utf8");
  assert.match(ops, /^key_prefix "gateway\/" \{\n\s*policy = "write"/m);
  assert.match(
    readFileSync(join(DEPLOY, "templates/gateway.yaml.tmpl"), "utf8"),
    /kvPrefix: gateway$/m,
  );
});

/**
 * What the renewal job leaves in /etc/gateway/tls: an ECDSA and an RSA pair, here made once,
 * self-signed, with the system's openssl and copied to each rendered site.
 */
let madePairs: string | undefined;
function selfSignedPairs(folder: string): void {
  if (madePairs === undefined) {
    const made = mkdtempSync(join(tmpdir(), "deploy-tls-"));
    process.on("exit", () => rmSync(made, { recursive: true, force: true }));
    const kinds = [
      ["ecdsa", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]],
      ["rsa", ["-newkey", "rsa:2048"]],
    ] as const;
    for (const [name, key] of kinds) {
      const out = spawnSync(
        "openssl",
        [
          ...["req", "-x509", "-nodes", "-days", "30", ...key],
          ...["-keyout", join(made, `${name}.key`), "-out", join(made, `${name}.pem`)],
          ...["-subj", "/CN=www.example.net", "-addext", "subjectAltName=DNS:www.example.net"],
        ],
        { encoding: "utf8" },
      );
      assert.equal(out.status, 0, `openssl made the ${name} pair: ${out.stderr}`);
    }
    madePairs = made;
  }
  mkdirSync(folder, { recursive: true });
  for (const file of ["ecdsa.pem", "ecdsa.key", "rsa.pem", "rsa.key"])
    copyFileSync(join(madePairs, file), join(folder, file));
}

/**
 * The rendered boot config, after `gateway validate --boot` accepted it with the reference
 * world's catalogue and policy in the rendered /etc/gateway (as the rollout copies them).
 */
function validBoot(root: string, site: string) {
  const folder = join(root, "etc/gateway");
  const file = join(folder, "gateway.yaml");
  // The site's GeoIP City database stands in as the demo world's (a City database too).
  const text = readFileSync(file, "utf8")
    .replaceAll("/etc/gateway/", `${folder}/`)
    .replaceAll("/var/lib/GeoIP/GeoIP2-City.mmdb", join(ROOT, "gateway/demo/geoip/demo-city.mmdb"));
  writeFileSync(file, text);
  for (const name of ["catalogue.yaml", "policy.yaml"])
    copyFileSync(join(ROOT, "routing-tables/reference-world", name), join(folder, name));
  selfSignedPairs(join(folder, "tls"));
  const result = spawnSync(
    process.execPath,
    [join(ROOT, "gateway/cli.ts"), "validate", "--boot", file],
    { encoding: "utf8" },
  );
  assert.equal(result.status, 0, `${site}: ${result.stdout}${result.stderr}`);
  const boot = parse(readFileSync(file, "utf8"));
  assert.equal(boot.site, site);
  return boot as { admin: { host: string; port: number } };
}

test("the render script refuses an environment that leaves a variable unset, naming it", (t) => {
  if (!onPath("envsubst")) return t.skip("envsubst is absent (apt-get install -y gettext-base)");
  const folder = mkdtempSync(join(tmpdir(), "deploy-env-"));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const env = readFileSync(join(DEPLOY, "sites/dar.env"), "utf8").replace(/^ANYCAST_VIP=.*\n/m, "");
  writeFileSync(join(folder, "broken.env"), env);
  const result = spawnSync(
    "sh",
    [join(DEPLOY, "render-site.sh"), join(folder, "broken.env"), folder],
    {
      encoding: "utf8",
    },
  );
  assert.equal(result.status, 1);
  assert.match(result.stderr, /ANYCAST_VIP is not set/);
});

test("a rendered ExaBGP configuration passes exabgp --validate", (t) => {
  if (!onPath("envsubst") || !onPath("exabgp"))
    return t.skip("envsubst or exabgp is absent (apt-get install -y exabgp)");
  const root = rendered(t, "dar");
  const file = join(root, "etc/exabgp/exabgp.conf");
  // ExaBGP checks that the announcer's program exists: point it at this checkout.
  writeFileSync(file, readFileSync(file, "utf8").replaceAll("/opt/multisite-gateway/", ROOT));
  const result = spawnSync("exabgp", ["--validate", file], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stdout + result.stderr);
});

test("the example router configuration parses with bird -p", (t) => {
  if (!onPath("bird")) return t.skip("bird is absent (apt-get install -y bird2)");
  const result = spawnSync("bird", ["-p", "-c", join(DEPLOY, "bgp/router-bird.conf")], {
    encoding: "utf8",
  });
  assert.equal(result.status, 0, result.stderr);
});

test("the systemd unit sets V8's young generation and a compile cache in its state directory", () => {
  const unit = readFileSync(join(DEPLOY, "systemd/gateway.service"), "utf8");
  // The benchmark's gateway-deployed target reads this line (gateway/bench/targets.ts).
  const options = /^Environment=NODE_OPTIONS=(.*)$/m.exec(unit)?.[1];
  assert.match(options ?? "", /--max-semi-space-size=\d+/);
  const cache = /^Environment=NODE_COMPILE_CACHE=(.*)$/m.exec(unit)?.[1] ?? "";
  const stateDirectory = /^StateDirectory=(.*)$/m.exec(unit)?.[1];
  assert.ok(
    cache.startsWith(`/var/lib/${stateDirectory}/`),
    "the cache is in the writable state directory",
  );
});

test("the systemd unit verifies, is hardened, and waits for the drain deadline before SIGKILL", (t) => {
  const unit = readFileSync(join(DEPLOY, "systemd/gateway.service"), "utf8");
  const template = readFileSync(join(DEPLOY, "templates/gateway.yaml.tmpl"), "utf8");
  const graceMs = Number(/^ {2}shutdownGraceMs: (\d+)$/m.exec(template)?.[1]);
  const delayMs = Number(/^ {2}shutdownDelayMs: (\d+)$/m.exec(template)?.[1] ?? 0);
  const timeoutS = Number(/^TimeoutStopSec=(\d+)s$/m.exec(unit)?.[1]);
  assert.equal(
    timeoutS,
    (delayMs + graceMs) / 1_000 + 5,
    "TimeoutStopSec = shutdown delay + drain deadline + 5 s",
  );
  assert.match(unit, /^CapabilityBoundingSet=CAP_NET_BIND_SERVICE$/m);
  assert.match(unit, /^User=gateway$/m);
  assert.match(unit, /^ProtectSystem=strict$/m);
  if (!onPath("systemd-analyze"))
    return t.skip("systemd-analyze is absent (apt-get install -y systemd)");
  // verify wants the executables to exist: point ExecStart at this checkout's Node.
  const folder = mkdtempSync(join(tmpdir(), "deploy-unit-"));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const file = join(folder, "gateway.service");
  writeFileSync(
    file,
    unit.replace("/opt/multisite-gateway/node_modules/node/bin/node", process.execPath),
  );
  const verify = spawnSync("systemd-analyze", ["verify", file], { encoding: "utf8" });
  assert.equal(verify.status, 0, verify.stderr);
  assert.equal(verify.stderr, "", "no warnings");
  const security = spawnSync("systemd-analyze", ["security", "--offline=yes", file], {
    encoding: "utf8",
  });
  const exposure = Number(
    /Overall exposure level for gateway\.service: ([\d.]+)/.exec(security.stdout)?.[1],
  );
  assert.ok(exposure <= 2, `exposure ${exposure} (systemd-analyze security: 0 best, 10 worst)`);
});
