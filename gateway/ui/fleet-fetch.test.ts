import assert from "node:assert/strict";
import { createServer, type RequestListener } from "node:http";
import { test } from "node:test";
import { type FleetFetchSettings, type FleetMember, fetchFleet } from "./fleet-fetch.ts";
import type { GatewayReport } from "./ops-view.ts";

const SETTINGS: FleetFetchSettings = {
  timeoutMs: 300,
  concurrency: 4,
  maxGateways: 64,
  maxBodyBytes: 64 * 1024,
};

const sitesOf = (ingress: string) => ({
  ingress,
  sites: [{ id: ingress, state: "healthy", shareFromHere: { web: 1 } }],
});

/** A real server on port 0 answering with `listener`; closed after the test. */
async function peer(t: test.TestContext, listener: RequestListener): Promise<string> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/sites`;
}

const answering =
  (body: unknown): RequestListener =>
  (_req, res) => {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
  };

const errorOf = (reports: GatewayReport[], id: string) => {
  const report = reports.find((r) => r.id === id);
  assert.ok(report, `no report for ${id}`);
  return report.reachable ? "reachable" : report.error;
};

const local = (self: string) => ({ self, readLocal: async () => sitesOf(self) });

test("a gateway that answers its /sites is read; this gateway is read in process", async (t) => {
  const lhr = await peer(t, answering(sitesOf("lhr")));
  const members: FleetMember[] = [
    { site: "fra", url: "http://127.0.0.1:1/never-asked" },
    { site: "lhr", url: lhr },
  ];
  const reports = await fetchFleet(members, SETTINGS, local("fra"));
  assert.deepEqual(
    reports.map((r) => [r.id, r.reachable]),
    [
      ["fra", true],
      ["lhr", true],
    ],
  );
});

test("every way a gateway can fail to answer is reported unreachable, with the reason", async (t) => {
  const hanging = await peer(t, () => {});
  const failing = await peer(t, (_req, res) => res.writeHead(500).end("boom"));
  const declaredHuge = await peer(t, (_req, res) => {
    res.writeHead(200);
    res.end(`{"sites":[${"0,".repeat(SETTINGS.maxBodyBytes)}0]}`);
  });
  const chunkedHuge = await peer(t, (_req, res) => {
    res.writeHead(200); // no length: chunked, so only counting the bytes finds it too large
    res.write(`{"sites":[${"0,".repeat(SETTINGS.maxBodyBytes)}`);
    res.end("0]}");
  });
  const garbage = await peer(t, (_req, res) => res.writeHead(200).end("<html>"));
  const shapeless = await peer(t, answering({ hello: "world" }));
  const impostor = await peer(t, answering(sitesOf("cdg")));
  const closed = await peer(t, () => {});
  const refusedUrl = closed.replace(/:\d+\//, ":1/");
  const members: FleetMember[] = [
    { site: "aaa", url: hanging },
    { site: "bbb", url: failing },
    { site: "ccc", url: declaredHuge },
    { site: "ccd", url: chunkedHuge },
    { site: "ddd", url: garbage },
    { site: "eee", url: shapeless },
    { site: "fff", url: impostor },
    { site: "ggg", url: refusedUrl },
    { site: "hhh", error: "datacenter hhh did not answer" },
  ];
  const reports = await fetchFleet(members, SETTINGS, local("fra"));
  assert.equal(errorOf(reports, "aaa"), "no answer within 300 ms");
  assert.equal(errorOf(reports, "bbb"), "answered 500");
  assert.equal(errorOf(reports, "ccc"), `answer over ${SETTINGS.maxBodyBytes} bytes`);
  assert.equal(errorOf(reports, "ccd"), `answer over ${SETTINGS.maxBodyBytes} bytes`);
  assert.equal(errorOf(reports, "ddd"), "the answer is not JSON");
  assert.equal(errorOf(reports, "eee"), "not a /sites answer (no list of sites)");
  assert.equal(errorOf(reports, "fff"), "answered as the gateway of cdg, registered for fff");
  assert.match(errorOf(reports, "ggg"), /ECONNREFUSED/);
  assert.equal(errorOf(reports, "hhh"), "datacenter hhh did not answer");
  assert.equal(errorOf(reports, "fra"), "reachable", "this gateway is added when not listed");
});

test("no more than `concurrency` requests run at once", async (t) => {
  let running = 0;
  let most = 0;
  const url = await peer(t, (req, res) => {
    running += 1;
    most = Math.max(most, running);
    const site = new URL(req.url ?? "/", "http://x").searchParams.get("site") ?? "";
    setImmediate(() => {
      running -= 1;
      answering(sitesOf(site))(req, res);
    });
  });
  const sites = ["aaa", "bbb", "ccc", "ddd", "eee", "fff", "ggg", "hhh"];
  const members = sites.map((site) => ({ site, url: `${url}?site=${site}` }));
  const reports = await fetchFleet(members, { ...SETTINGS, concurrency: 2 }, local("fra"));
  assert.equal(reports.filter((r) => r.reachable).length, sites.length + 1);
  assert.ok(most <= 2, `${most} at once`);
});

test("gateways past maxGateways are not asked, and say so", async (t) => {
  let asked = 0;
  const url = await peer(t, (req, res) => {
    asked += 1;
    const site = new URL(req.url ?? "/", "http://x").searchParams.get("site") ?? "";
    answering(sitesOf(site))(req, res);
  });
  const members = ["aaa", "bbb", "ccc"].map((site) => ({ site, url: `${url}?site=${site}` }));
  const reports = await fetchFleet(members, { ...SETTINGS, maxGateways: 2 }, local("aaa"));
  assert.equal(asked, 1, "aaa is this gateway, read in process; bbb asked; ccc not");
  assert.equal(errorOf(reports, "ccc"), "not watched: the fleet has more than 2 gateways");
});

test("a site with several gateways is read at each, named site@host", async (t) => {
  const one = await peer(t, answering(sitesOf("lhr")));
  const two = await peer(t, answering(sitesOf("lhr")));
  const members = [
    { site: "lhr", url: one },
    { site: "lhr", url: two },
  ];
  const reports = await fetchFleet(members, SETTINGS, local("lhr"));
  const ids = reports.map((r) => r.id);
  assert.equal(ids.length, 2, "both read over the network: which one is this is not known");
  for (const id of ids) assert.match(id, /^lhr@127\.0\.0\.1:\d+$/);
  assert.ok(reports.every((r) => r.reachable));
});
