// The demo world end to end: the reference world's backends and gateways on port 0, clients
// through the anycast stand-in, ops through the demo admin. Client addresses are the demo
// GeoIP database's samples (gateway/demo/geoip/README.md).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:http2";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { promisify } from "node:util";
import { estimateRttMs } from "../../routing-tables/geo.ts";
import { eventually } from "../testing/fixtures.ts";
import { powerdnsMissing } from "../testing/powerdns.ts";
import { type DemoWorld, startDemoWorld } from "./demo-world.ts";
import { hasOpenssl } from "./local-ca.ts";

const ZANZIBAR = "198.51.100.161";
const DAR_ES_SALAAM = "198.51.100.145";
const BUENOS_AIRES = "198.51.100.1";
const LONDON = "198.51.100.97";
const NAIROBI = "203.0.113.1";
const NOWHERE = "192.0.2.1";

async function world(t: TestContext): Promise<DemoWorld> {
  const started = await startDemoWorld({ frontPort: 0, adminPort: 0, logLevel: "silent" });
  t.after(() => started.close());
  return started;
}

interface Answer {
  readonly status: number;
  /** x-demo-anycast: the site the front delivered to. */
  readonly anycast: string | null;
  readonly ingress: string | null;
  readonly site: string | null;
  readonly body: Record<string, unknown>;
}

async function get(baseUrl: string, client: string): Promise<Answer> {
  const response = await fetch(`${baseUrl}/hello`, { headers: { "x-forwarded-for": client } });
  const text = await response.text();
  return {
    status: response.status,
    anycast: response.headers.get("x-demo-anycast"),
    ingress: response.headers.get("x-gateway-ingress"),
    site: response.headers.get("x-gateway-site"),
    body: JSON.parse(text) as Record<string, unknown>,
  };
}

const run = promisify(execFile);

/** An admin change, with the world's token; `token: ""` sends none. */
const post = (w: DemoWorld, url: string, token = w.adminToken) =>
  fetch(url, { method: "POST", headers: token ? { authorization: `Bearer ${token}` } : {} }).then(
    (r) => r.status,
  );

const coordinates = (w: DemoWorld, id: string) => {
  const site = w.catalogue.sites.find((s) => s.id === id);
  assert.ok(site, `no site ${id}`);
  return site;
};

test("clients reach the site nearest to them through the front", async (t) => {
  const w = await world(t);
  // Nairobi has no site: Zanzibar is the nearest (about 600 km; Dar es Salaam about 670).
  const cases = [
    [ZANZIBAR, "znz"],
    [BUENOS_AIRES, "bue"],
    [LONDON, "lhr"],
    [NAIROBI, "znz"],
    [NOWHERE, "fra"],
  ] as const;
  for (const [client, expected] of cases) {
    const answer = await get(w.frontUrl, client);
    assert.deepEqual(
      [answer.status, answer.anycast, answer.ingress, answer.site, answer.body.site],
      [200, expected, expected, expected, expected],
      `client ${client}`,
    );
    assert.match(String(answer.body.backend), new RegExp(`^${expected}-[1-3]$`));
  }
});

test("a request served away from its ingress waits the WAN delay between the two sites", async (t) => {
  const w = await world(t);
  await w.kill("lhr");
  const started = performance.now();
  const answer = await get(w.frontUrl, LONDON);
  const elapsed = performance.now() - started;
  assert.equal(answer.anycast, "lhr", "lhr's gateway still announces: only its backends died");
  assert.notEqual(answer.site, "lhr");
  const served = String(answer.site);
  const expected = estimateRttMs(coordinates(w, "lhr"), coordinates(w, served));
  assert.deepEqual([answer.body.site, answer.body.ingress], [served, "lhr"]);
  assert.ok(Math.abs(Number(answer.body.wanDelayMs) - expected) < 0.1, `${answer.body.wanDelayMs}`);
  assert.ok(expected > 1 && expected < 50, `lhr → ${served}: ${expected} ms is a European hop`);
  assert.ok(elapsed >= expected - 1, `answered after ${elapsed} ms`);
});

test("a compromise through the demo admin takes the site out of every gateway and of the front; restore brings it back", async (t) => {
  const w = await world(t);
  assert.equal(await post(w, `${w.adminUrl}/sites/znz/compromise`), 200);
  assert.equal(w.gateways.get("znz")?.ready().ready, false);
  const hitsBefore = (w.backends.get("znz") ?? []).map((b) => b.hits());
  const requests = [...w.gateways.values()].flatMap((gateway) =>
    [ZANZIBAR, DAR_ES_SALAAM, NAIROBI, NOWHERE].flatMap((client) =>
      [1, 2, 3].map(() => get(gateway.url, client)),
    ),
  );
  const answers = await Promise.all(requests);
  assert.deepEqual(
    answers.filter((a) => a.status !== 200),
    [],
  );
  const served = new Set(answers.map((a) => a.site));
  assert.ok(!served.has("znz"), `served by ${[...served].join(", ")}`);
  assert.deepEqual(
    (w.backends.get("znz") ?? []).map((b) => b.hits()),
    hitsBefore,
  );
  const fromZanzibar = await get(w.frontUrl, ZANZIBAR);
  assert.deepEqual([fromZanzibar.anycast, fromZanzibar.site], ["dar", "dar"]);

  assert.equal(await post(w, `${w.adminUrl}/sites/znz/restore`), 200);
  const back = await get(w.frontUrl, ZANZIBAR);
  assert.deepEqual([back.anycast, back.site], ["znz", "znz"]);
});

test("killing a site's backends mid-run fails no GET of a loop through the front", async (t) => {
  const w = await world(t);
  const answers: Answer[] = [];
  for (let i = 0; i < 60; i++) {
    // The 21st request races the kill: it may be cut in flight, and must be retried.
    const [answer] = await Promise.all([get(w.frontUrl, LONDON), i === 20 ? w.kill("lhr") : null]);
    answers.push(answer);
  }
  assert.deepEqual(
    answers.filter((a) => a.status !== 200),
    [],
  );
  assert.deepEqual(
    answers.slice(0, 20).map((a) => a.site),
    Array(20).fill("lhr"),
  );
  // lhr's gateway retries elsewhere at first; once passive health marks lhr down, it stops
  // being ready and the front delivers London's clients to another gateway: either way, no
  // request is served by the dead site.
  assert.ok(
    answers.slice(21).every((a) => a.site !== "lhr"),
    "after the kill, no request is served by lhr",
  );
});

test("a WebSocket through the front and a gateway echoes messages", async (t) => {
  const w = await world(t);
  const socket = new WebSocket(`${w.frontUrl.replace("http", "ws")}/chat`);
  t.after(() => socket.close());
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = () => reject(new Error("the WebSocket did not open"));
  });
  const echoed = new Promise<string>((resolve) => {
    socket.onmessage = (event) => resolve(String(event.data));
  });
  socket.send("hello through anycast");
  assert.equal(await echoed, "hello through anycast");
});

test("the front answers 503 when no site announces the VIP", async (t) => {
  const w = await world(t);
  for (const site of w.gateways.keys()) await post(w, `${w.adminUrl}/sites/${site}/drain`);
  await eventually(() => [...w.gateways.values()].every((g) => !g.ready().ready));
  const response = await fetch(`${w.frontUrl}/`, { headers: { "x-forwarded-for": LONDON } });
  assert.equal(response.status, 503);
  assert.equal(((await response.json()) as { code: string }).code, "no_usable_site");
});

test("the demo admin explains from the front's ingress, lists the world, and labels metrics by ingress", async (t) => {
  const w = await world(t);
  await get(w.frontUrl, BUENOS_AIRES);
  const explained = (await (await fetch(`${w.adminUrl}/explain?ip=${LONDON}`)).json()) as {
    ingress: string;
    chosen: string;
  };
  assert.deepEqual([explained.ingress, explained.chosen], ["lhr", "lhr"]);
  const listed = (await (await fetch(`${w.adminUrl}/demo/world`)).json()) as {
    sites: { id: string; announcing: boolean; deliveredByFront: number; backends: unknown[] }[];
  };
  assert.equal(listed.sites.length, 16);
  const bue = listed.sites.find((s) => s.id === "bue");
  assert.deepEqual([bue?.announcing, bue?.deliveredByFront, bue?.backends.length], [true, 1, 2]);
  const metrics = await (await fetch(`${w.adminUrl}/metrics`)).text();
  assert.match(metrics, /gateway_requests_total\{[^}]*site="bue"[^}]*ingress="bue"[^}]*\} 1/);
  assert.equal(await post(w, `${w.adminUrl}/demo/sites/bue/kill`), 200);
  assert.ok((w.backends.get("bue") ?? []).every((b) => !b.isAlive()));
  assert.equal(await post(w, `${w.adminUrl}/demo/sites/bue/revive`), 200);
  assert.ok((w.backends.get("bue") ?? []).every((b) => b.isAlive()));
  assert.equal(await post(w, `${w.adminUrl}/demo/sites/nowhere/kill`), 404);
});

test("the demo admin refuses a change without the banner's token, and one with a wrong token", async (t) => {
  const w = await world(t);
  assert.equal(await post(w, `${w.adminUrl}/sites/znz/compromise`, ""), 401);
  assert.equal(await post(w, `${w.adminUrl}/demo/sites/bue/kill`, "not-the-token-at-all"), 401);
  assert.equal((await get(w.frontUrl, ZANZIBAR)).site, "znz", "nothing changed");
});

test("with the DNS side on, dig through the demo's PowerDNS follows a compromise from the demo admin", async (t) => {
  const missing = powerdnsMissing();
  if (missing) return t.skip(missing);
  const w = await startDemoWorld({ frontPort: 0, adminPort: 0, dnsPort: 0, logLevel: "silent" });
  t.after(() => w.close());
  assert.ok(w.dns?.on, w.dns && !w.dns.on ? w.dns.reason : "no DNS side");
  const dig = async () => {
    const { stdout } = await run("dig", [
      "@127.0.0.1",
      "-p",
      String(w.dns?.on && w.dns.port),
      "www.example.test",
      "A",
      "+subnet=198.51.100.160/28",
      "+short",
    ]);
    return stdout.trim();
  };
  assert.equal(await dig(), "192.0.2.110", "Zanzibar's client subnet: znz");
  assert.equal(await post(w, `${w.adminUrl}/sites/znz/compromise`), 200);
  // The demo's steered TTL is 30 s, but PowerDNS's caches are off: the next dig asks again.
  assert.equal(await dig(), "192.0.2.100", "then dar");
});

test("in fleet mode a compromise goes through the hubs' KV: every gateway applies it, and it says so", async (t) => {
  const w = await startDemoWorld({ frontPort: 0, adminPort: 0, logLevel: "silent", fleet: true });
  t.after(() => w.close());
  assert.deepEqual(
    w.controlDatacenters,
    ["fra", "iad", "dxb"],
    "the hubs, as the catalogue lists them",
  );
  const res = await fetch(`${w.adminUrl}/sites/znz/compromise?why=drill`, {
    method: "POST",
    headers: { authorization: `Bearer ${w.adminToken}` },
  });
  const body = (await res.json()) as Record<string, unknown>;
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.deepEqual([body.scope, body.fleetWide], ["fleet", true]);
  assert.deepEqual([...(body.storedIn as string[])].sort(), [...w.controlDatacenters].sort());
  for (const gateway of w.gateways.values())
    assert.equal(
      gateway.state.snapshot.sites[gateway.state.snapshot.siteIndex.get("znz") ?? -1]?.state,
      "compromised",
    );
  const answer = await get(w.frontUrl, ZANZIBAR);
  assert.notEqual(answer.site, "znz");
  const records = (await (await fetch(`${w.adminUrl}/sites?ingress=dar`)).json()) as {
    opsOverrides: Record<string, { scope: string; why: string }[]>;
  };
  assert.deepEqual(
    records.opsOverrides.znz?.map((r) => [r.scope, r.why]),
    [["fleet", "drill"]],
  );
});

test("over HTTPS the TLS front relays to a gateway's TLS listener: HTTP/2 and HTTP/1.1, the client located", {
  skip: hasOpenssl() ? false : "openssl is not installed",
}, async (t) => {
  const pkiFolder = mkdtempSync(join(tmpdir(), "demo-pki-"));
  t.after(() => rmSync(pkiFolder, { recursive: true, force: true }));
  const w = await startDemoWorld({
    frontPort: 0,
    adminPort: 0,
    tlsPort: 0,
    pkiFolder,
    logLevel: "silent",
  });
  t.after(() => w.close());
  assert.ok(w.tls && "url" in w.tls, "TLS is on");
  const { url, caCert } = w.tls;
  const session = connect(url, { ca: readFileSync(caCert) });
  t.after(() => session.close());
  const answer = await new Promise<{ status: number; ingress: unknown; site: unknown }>(
    (resolve, reject) => {
      const stream = session.request({ ":path": "/", "x-forwarded-for": ZANZIBAR });
      stream.on("response", (head) =>
        resolve({
          status: Number(head[":status"]),
          ingress: head["x-gateway-ingress"],
          site: head["x-gateway-site"],
        }),
      );
      stream.on("error", reject);
      stream.resume();
    },
  );
  assert.equal(answer.status, 200);
  assert.equal(answer.ingress, "fra", "loopback is of unknown location: the first hub");
  assert.equal(answer.site, "znz", "the gateway located the client by X-Forwarded-For");
  const hasCurl = await run("sh", ["-c", "command -v curl"]).then(
    () => true,
    () => false,
  );
  if (!hasCurl) return;
  const curlArgs = ["-s", "-o", "/dev/null", "-w", "%{http_version}", "--cacert", caCert];
  const h1 = await run("curl", [...curlArgs, "--http1.1", `${url}/`]);
  assert.equal(h1.stdout, "1.1");
});
