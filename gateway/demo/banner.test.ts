import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { demoBanner } from "./banner.ts";

const facts = {
  frontUrl: "http://127.0.0.1:18080",
  adminUrl: "http://127.0.0.1:19090",
  sites: 16,
  hubs: 3,
  backends: 35,
  adminToken: "demo-token-0123456789",
};
const banner = demoBanner(facts);
const REPO = fileURLToPath(new URL("../../", import.meta.url));

test("the front and admin lines carry the given URLs in the form the load-test runner reads", () => {
  // The same patterns as loadtests/runner/demo-target.ts (loadtests/ imports no project code,
  // so the contract is held from both sides).
  assert.equal(/^\s*front\s+(http:\/\/\S+)/m.exec(banner)?.[1], facts.frontUrl);
  assert.equal(/^\s*admin\s+(http:\/\/\S+)/m.exec(banner)?.[1], facts.adminUrl);
});

const tls = {
  url: "https://localhost:18443",
  caCert: "/home/u/.cache/multisite-gateway/demo-pki/ca.pem",
};

test("every command it prints goes to the given addresses, never to a default port", () => {
  const withTls = demoBanner({ ...facts, tls });
  const commands = withTls.split("\n").filter((line) => line.includes("curl "));
  assert.ok(commands.length > 10, `${commands.length} commands`);
  for (const command of commands) {
    assert.ok(
      [facts.frontUrl, facts.adminUrl, tls.url].some((url) => command.includes(url)),
      `no given address in: ${command}`,
    );
    assert.doesNotMatch(command, /:(8080|8443|9090)\//);
  }
});

test("with TLS it prints curl lines over HTTP/2 and HTTP/1.1 trusting the CA, and where it is kept", () => {
  const lines = demoBanner({ ...facts, tls }).split("\n");
  const https = lines.filter((line) => line.includes(tls.url) && line.includes("curl "));
  assert.ok(https.some((line) => line.includes(`--cacert ${tls.caCert} --http2 `)));
  assert.ok(https.some((line) => line.includes(`--cacert ${tls.caCert} --http1.1 `)));
  assert.ok(
    lines.some((line) => line.includes("kept in /home/u/.cache/multisite-gateway/demo-pki")),
  );
  const off = demoBanner({ ...facts, tls: { off: "openssl is not installed" } });
  assert.match(off, /HTTPS: off \(openssl is not installed\)/);
  assert.doesNotMatch(banner, /HTTPS/, "not asked for: not mentioned");
});

test("every file of the repository it points at exists", () => {
  const paths = banner.match(/\b[a-z][\w-]*\/[\w./-]*[\w-]\.(md|ts)\b/g) ?? [];
  assert.ok(paths.length >= 2, `found ${paths.join(", ")}`);
  for (const path of paths) assert.ok(existsSync(`${REPO}${path}`), `${path} does not exist`);
});

test("its counts come from the world it is given", () => {
  assert.match(banner, /the reference world, 13 edge sites and 3 hubs/);
  assert.match(banner, /16 gateways and 35 backends/);
});

test("with PowerDNS running it prints dig lines to its port; without, why DNS is off", () => {
  const on = demoBanner({ ...facts, dns: { port: 15300 } });
  const digs = on.split("\n").filter((line) => line.includes("dig "));
  assert.equal(digs.length, 2);
  for (const dig of digs)
    assert.match(dig, /dig @127\.0\.0\.1 -p 15300 www\.example\.test A \+subnet=/);
  const off = demoBanner({ ...facts, dns: { off: "pdns_server absent" } });
  assert.match(off, /DNS steering: off \(pdns_server absent\)/);
  assert.doesNotMatch(banner, /DNS steering/, "not asked for: not mentioned");
});

test("in fleet mode it names the control datacenters where overrides are stored", () => {
  const fleet = demoBanner({ ...facts, controlDatacenters: ["fra", "iad", "dxb"] });
  assert.match(fleet, /stored in the KV of fra, iad, dxb/);
  assert.doesNotMatch(banner, /stored in the KV of/);
});

test("it shows where the ops view's map is, on the given admin address", () => {
  assert.equal(/^\s*map\s+(http:\/\/\S+)/m.exec(banner)?.[1], `${facts.adminUrl}/ui/`);
  assert.match(banner, /gateway status --admin http:\/\/127\.0\.0\.1:19090 --fleet/);
});

test("it prints the run's admin token as an export line, and the change commands send it", () => {
  const line = banner.split("\n").find((l) => l.includes("GATEWAY_ADMIN_TOKEN="));
  assert.match(line ?? "", /export GATEWAY_ADMIN_TOKEN=demo-token-0123456789$/);
  const changes = banner.split("\n").filter((l) => /curl .*-X POST/.test(l));
  assert.ok(changes.length > 0, "the banner shows a change");
  for (const change of changes) assert.match(change, /\$auth|Authorization: Bearer/, change);
});
