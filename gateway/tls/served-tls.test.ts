/**
 * TLS in a real `gateway serve` with two workers: the primary reads and checks the
 * certificates, both workers serve what it sends. A good pair after SIGHUP reaches every new
 * connection; a broken one is refused by the primary while both workers keep the last good;
 * session tickets resume whichever worker a connection lands on.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { copyFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { connect } from "node:tls";
import { eventually, startBackend } from "../testing/fixtures.ts";
import { serveGateway } from "../testing/served-gateway.ts";
import { caPem, PKI_SKIP, testPair } from "../testing/test-pki.ts";
import { handshake } from "../testing/tls-world.ts";

const skip = PKI_SKIP;
type After = { after: (fn: () => unknown) => void };

const first = () => testPair("served-1", { hosts: ["localhost"] });
const second = () => testPair("served-2", { hosts: ["localhost"] });
const stranger = () => testPair("served-stranger", { hosts: ["stranger.test"] });
const fingerprint = (file: string) => new X509Certificate(readFileSync(file)).fingerprint256;

async function serveTls(t: After) {
  const backend = await startBackend("here");
  t.after(() => backend.kill());
  const served = serveGateway(
    t,
    {
      catalogue: `sites:\n  - { id: here, name: HERE, country: EC, jurisdiction: EC, latitude: 0, longitude: 0, tier: hub, capacity: 1000, backends: ["${backend.address}"] }\n`,
      policy: 'services:\n  - { name: web, hosts: ["*"] }\n',
      boot: `site: here
catalogue: catalogue.yaml
policy: policy.yaml
listen: { host: 127.0.0.1, port: 0 }
admin: { host: 127.0.0.1, port: 0 }
probes: { enabled: false }
log: { level: info, requests: false }
tls:
  enabled: true
  listen: { host: 127.0.0.1, port: 0 }
  certificates: [{ cert: site.pem, key: site.key }]
`,
    },
    ["--workers", "2"],
  );
  // The pair the boot names, in the gateway's folder (serveGateway made it before the start).
  const put = (pair: { cert: string; key: string }) => {
    copyFileSync(pair.cert, join(served.folder, "site.pem"));
    copyFileSync(pair.key, join(served.folder, "site.key"));
  };
  put(first());
  const { admin, tls } = await served.listening();
  assert.ok(tls, "the gateway logged its TLS address");
  return { served, put, admin, port: Number(new URL(tls).port) };
}

/** The certificates `n` new connections were shown (distinct fingerprints). */
async function shownBy(port: number, n: number): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++)
    seen.add((await handshake(port, { servername: "localhost" })).fingerprint);
  return seen;
}

test("a good new pair (the file watch, or SIGHUP): every new connection, whichever worker takes it, gets it", {
  skip,
}, async (t) => {
  const { served, put, port } = await serveTls(t);
  assert.deepEqual(await shownBy(port, 6), new Set([fingerprint(first().cert)]));
  put(second());
  served.child.kill("SIGHUP");
  await eventually(
    async () => {
      const seen = await shownBy(port, 10);
      return seen.size === 1 && seen.has(fingerprint(second().cert));
    },
    15_000,
    "both workers to serve the new certificate",
  );
});

test("a broken pair is refused by the primary: both workers keep the last good, /sites and the metric say so", {
  skip,
}, async (t) => {
  const { served, admin, port } = await serveTls(t);
  copyFileSync(stranger().key, join(served.folder, "site.key"));
  served.child.kill("SIGHUP");
  await eventually(
    async () =>
      (await (await fetch(`${admin}/metrics`)).text()).includes(
        "gateway_tls_certificates_refused 1",
      ),
    15_000,
    "the refusal in the metrics",
  );
  const sites = (await (await fetch(`${admin}/sites`)).json()) as {
    tls: { pairs: { refused: { reason: string } | null }[] };
  };
  assert.match(sites.tls.pairs[0]?.refused?.reason ?? "", /key does not match/);
  assert.deepEqual(await shownBy(port, 10), new Set([fingerprint(first().cert)]));
  await eventually(
    () => served.logged("certificate refused; the last good keeps serving").length > 0,
    5_000,
    "the refusal in the log",
  );
});

test("a session ticket from one connection resumes on every later one, whichever worker takes it", {
  skip,
}, async (t) => {
  const { port } = await serveTls(t);
  const ticket = await new Promise<Buffer>((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, servername: "localhost", ca: caPem() });
    socket.once("session", (session: Buffer) => {
      resolve(session);
      socket.destroy();
    });
    socket.once("error", reject);
  });
  const resumed: boolean[] = [];
  for (let i = 0; i < 20; i++)
    resumed.push(
      await new Promise<boolean>((resolve, reject) => {
        const socket = connect({
          host: "127.0.0.1",
          port,
          servername: "localhost",
          ca: caPem(),
          session: ticket,
        });
        socket.once("secureConnect", () => {
          resolve(socket.isSessionReused());
          socket.destroy();
        });
        socket.once("error", reject);
      }),
    );
  // 20 connections over two workers with SO_REUSEPORT: each has taken some (all on one
  // worker: 2^-19). A worker with other keys would refuse the ticket.
  assert.deepEqual(resumed, Array(20).fill(true));
});
