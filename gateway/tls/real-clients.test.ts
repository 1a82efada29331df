/**
 * The TLS listener against the clients people use: curl over HTTP/2 and HTTP/1.1, nghttp and
 * h2load multiplexing many streams on a connection, and openssl s_client for protocol
 * versions, ciphers, ALPN and SNI, testssl.sh for its verdict on protocols and cipher
 * categories. Each test skips, saying why, where its tool is absent (Debian: curl,
 * nghttp2-client, openssl, testssl.sh).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { PKI_SKIP, testCa, testPair } from "../testing/test-pki.ts";
import { startTlsWorld, type TlsWorld } from "../testing/tls-world.ts";

const run = promisify(execFile);

async function has(tool: string): Promise<boolean> {
  try {
    await run("sh", ["-c", `command -v ${tool}`]);
    return true;
  } catch {
    return false;
  }
}

const skipFor = async (tool: string) =>
  PKI_SKIP || ((await has(tool)) ? false : `${tool} is not installed`);

const named = () => testPair("real-named", { hosts: ["named.example.test"], keyType: "rsa" });

async function world(t: { after(fn: () => Promise<void>): void }): Promise<TlsWorld> {
  const defaults = testPair("gateway-ec", { hosts: ["localhost", "*.example.test", "127.0.0.1"] });
  const w = await startTlsWorld({
    sites: [{ id: "a" }],
    policy: { services: [{ name: "web", hosts: ["*"] }] },
    tls: { certificates: [defaults, named()] },
  });
  t.after(() => w.close());
  return w;
}

/** s_client's output for a handshake with `args` (its exit code is not the verdict). */
async function sClient(port: number, args: readonly string[]): Promise<string> {
  const command = `echo | openssl s_client -connect 127.0.0.1:${port} -CAfile ${testCa().caCert} ${args.join(" ")} 2>&1`;
  const { stdout } = await run("sh", ["-c", command], { timeout: 20_000 }).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }),
  );
  return stdout;
}

const curl = async (args: readonly string[]) =>
  (await run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_version} %{http_code}", ...args]))
    .stdout;

test("curl --http2 is served HTTP/2 over TLS, verified against the CA", {
  skip: await skipFor("curl"),
}, async (t) => {
  const w = await world(t);
  assert.equal(await curl(["--cacert", testCa().caCert, "--http2", `${w.localUrl}/`]), "2 200");
});

test("curl --http1.1 is served HTTP/1.1 over TLS on the same port", {
  skip: await skipFor("curl"),
}, async (t) => {
  const w = await world(t);
  assert.equal(await curl(["--cacert", testCa().caCert, "--http1.1", `${w.localUrl}/`]), "1.1 200");
});

test("nghttp multiplexes requests on one connection, all answered 200", {
  skip: await skipFor("nghttp"),
}, async (t) => {
  const w = await world(t);
  const { stdout } = await run("nghttp", ["-n", "-s", "-m", "20", `${w.localUrl}/multiplexed`], {
    timeout: 30_000,
  });
  const answered = stdout.split("\n").filter((line) => /\s200\s/.test(line));
  assert.equal(answered.length, 20, stdout);
});

test("h2load: 400 requests, 32 streams at a time over 2 connections, every one succeeds", {
  skip: await skipFor("h2load"),
}, async (t) => {
  const w = await world(t);
  const { stdout } = await run("h2load", ["-n", "400", "-c", "2", "-m", "32", `${w.localUrl}/`], {
    timeout: 60_000,
  });
  assert.match(stdout, /requests: 400 total, 400 started, 400 done, 400 succeeded, 0 failed/);
  assert.match(stdout, /status codes: 400 2xx/);
  assert.match(stdout, /Application protocol: h2/);
});

test("openssl s_client: TLS 1.2 and 1.3 are accepted, 1.0 and 1.1 refused", {
  skip: await skipFor("openssl"),
}, async (t) => {
  const w = await world(t);
  assert.match(await sClient(w.port, ["-tls1_3"]), /New, TLSv1\.3, Cipher is TLS_/);
  assert.match(await sClient(w.port, ["-tls1_2"]), /New, TLSv1\.2, Cipher is ECDHE-/);
  for (const old of ["-tls1_1", "-tls1"]) {
    const out = await sClient(w.port, [old]);
    assert.match(out, /New, \(NONE\), Cipher is \(NONE\)/, `${old} handshake refused`);
  }
});

test("openssl s_client: a cipher outside Mozilla's intermediate list is refused", {
  skip: await skipFor("openssl"),
}, async (t) => {
  const w = await world(t);
  for (const weak of ["AES128-SHA", "ECDHE-RSA-AES128-SHA", "DES-CBC3-SHA"]) {
    const out = await sClient(w.port, ["-tls1_2", "-cipher", weak]);
    assert.doesNotMatch(out, /Cipher is [A-Z]/, `${weak} not negotiated`);
  }
  assert.match(
    await sClient(w.port, ["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"]),
    /Cipher is ECDHE-ECDSA-AES128-GCM-SHA256/,
  );
});

test("openssl s_client: ALPN h2 and http/1.1 are offered, h2 preferred", {
  skip: await skipFor("openssl"),
}, async (t) => {
  const w = await world(t);
  assert.match(await sClient(w.port, ["-alpn", "h2,http/1.1"]), /ALPN protocol: h2/);
  assert.match(await sClient(w.port, ["-alpn", "http/1.1"]), /ALPN protocol: http\/1\.1/);
});

test("openssl s_client: SNI picks the certificate that names the host, else the default", {
  skip: await skipFor("openssl"),
}, async (t) => {
  const w = await world(t);
  assert.match(
    await sClient(w.port, ["-servername", "named.example.test", "-verify_return_error"]),
    /subject=CN = named\.example\.test[\s\S]*Verify return code: 0 \(ok\)/,
  );
  assert.match(
    await sClient(w.port, ["-servername", "www.example.test"]),
    /subject=CN = localhost/,
  );
  assert.match(await sClient(w.port, ["-noservername"]), /subject=CN = localhost/);
});

test("testssl.sh: no SSLv2/SSLv3/TLS 1.0/1.1, no weak cipher category, ALPN offers h2", {
  skip: await skipFor("testssl"),
}, async (t) => {
  const w = await world(t);
  const dir = mkdtempSync(join(tmpdir(), "testssl-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const report = join(dir, "report.json");
  await run(
    "testssl",
    [
      "--quiet",
      "--color",
      "0",
      "-p",
      "-s",
      "--ip",
      "127.0.0.1",
      "--jsonfile",
      report,
      `localhost:${w.port}`,
    ],
    { timeout: 120_000 },
  ).catch(() => undefined); // its exit code counts findings; the report is the verdict
  const findings = new Map(
    (JSON.parse(readFileSync(report, "utf8")) as { id: string; finding: string }[]).map((f) => [
      f.id,
      f.finding,
    ]),
  );
  for (const old of ["SSLv2", "SSLv3", "TLS1", "TLS1_1"])
    assert.equal(findings.get(old), "not offered", old);
  assert.equal(findings.get("TLS1_2"), "offered");
  assert.match(findings.get("TLS1_3") ?? "", /^offered/);
  assert.equal(findings.get("ALPN_HTTP2"), "h2");
  for (const weak of ["NULL", "aNULL", "EXPORT", "LOW", "3DES_IDEA", "AVERAGE"])
    assert.equal(findings.get(`cipherlist_${weak}`), "not offered", weak);
});
