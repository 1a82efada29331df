// The DNS endpoint over HTTP on 127.0.0.1 port 0, called as PowerDNS's HTTP connector does.
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { type TestContext, test } from "node:test";
import pino from "pino";
import { openGeoipSource } from "../client-facts/geoip-source.ts";
import { DEMO_GEOIP } from "../config/config-files.ts";
import type { DnsSettings } from "../config/dns-schema.ts";
import { exampleDnsSettings, referenceSnapshot } from "../testing/dns-world.ts";
import { createDnsServer } from "./dns-server.ts";

async function endpoint(t: TestContext, settings: DnsSettings = exampleDnsSettings()) {
  const geoip = openGeoipSource(DEMO_GEOIP);
  const answers: string[] = [];
  const logged: string[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void logged.push(line) });
  const overrides = {
    cdg: { compromised: true },
    arn: { compromised: true },
    fra: { compromised: true },
  };
  let snapshot = referenceSnapshot({ overrides });
  const server = createDnsServer({
    settings,
    ingress: "fra",
    serial: 42,
    snapshot: () => snapshot,
    locateNetwork: (address) => geoip.locateNetwork(address),
    random: () => 0,
    logger,
    onAnswer: (outcome, site) => answers.push(`${outcome} ${site}`),
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => {
    server.close();
    server.closeAllConnections();
    geoip.close();
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dns`;
  const call = async (path: string, client?: string, method = "GET") => {
    const headers = client ? { "x-remotebackend-real-remote": client } : undefined;
    const response = await fetch(`${base}${path}`, { method, headers });
    return {
      status: response.status,
      type: response.headers.get("content-type"),
      body: (await response.json()) as { code?: string; result?: unknown },
    };
  };
  const swap = () => {
    snapshot = referenceSnapshot({ overrides, version: snapshot.version + 1 });
  };
  return { call, answers, logged, swap };
}

test("a look-up is 200 with the records as the remote backend reads them", async (t) => {
  const { call, answers } = await endpoint(t);
  const reply = await call("/lookup/www.example.test./A", "198.51.100.160/28");
  assert.equal(reply.status, 200);
  assert.deepEqual(reply.body, {
    result: [
      {
        qtype: "A",
        qname: "www.example.test.",
        content: "192.0.2.110",
        ttl: 30,
        domain_id: 1,
        scopeMask: 28,
      },
    ],
  });
  assert.deepEqual(answers, ["answer znz"]);
});

test("the zone list and the zone's info name the zone, its id and the serial", async (t) => {
  const { call } = await endpoint(t);
  const zone = { id: 1, zone: "example.test.", kind: "native", serial: 42 };
  assert.deepEqual((await call("/getAllDomains?includeDisabled=true")).body, { result: [zone] });
  assert.deepEqual((await call("/getDomainInfo/example.test.")).body, { result: zone });
  assert.deepEqual((await call("/getDomainInfo/other.test.")).body, { result: false });
  assert.deepEqual((await call("/getAllDomainMetadata/example.test.")).body, { result: {} });
  assert.deepEqual((await call("/getDomainMetadata/example.test./SOA-EDIT")).body, { result: [] });
});

test("a write the gateway does not keep is declined with result false, whatever its verb", async (t) => {
  const { call } = await endpoint(t);
  const reply = await call("/setDomainMetadata/example.test./SOA-EDIT", undefined, "PATCH");
  assert.deepEqual([reply.status, reply.body], [200, { result: false }]);
});

test("a malformed client subnet is a 400 problem (PowerDNS answers SERVFAIL), never a guess", async (t) => {
  const { call, answers } = await endpoint(t);
  const reply = await call("/lookup/www.example.test./A", "resolver.example/32");
  assert.equal(reply.status, 400);
  assert.equal(reply.type, "application/problem+json");
  assert.equal(reply.body.code, "bad_request");
  assert.deepEqual(answers, ["bad_request none"]);
});

test("a look-up by another verb than GET is 405 method_not_allowed", async (t) => {
  const { call } = await endpoint(t);
  const reply = await call("/lookup/www.example.test./A", "198.51.100.160/28", "POST");
  assert.deepEqual([reply.status, reply.body.code], [405, "method_not_allowed"]);
});

test("a blocked client is NODATA by default: 200 with the empty non-terminal", async (t) => {
  const { call, answers } = await endpoint(t);
  const reply = await call("/lookup/www.example.test./ANY", "198.51.100.112/28");
  assert.deepEqual(reply.body, {
    result: [{ qtype: "", qname: "www.example.test.", content: "", ttl: 0, domain_id: 1 }],
  });
  assert.deepEqual(answers, ["nodata none"]);
});

test("with whenBlocked servfail a blocked client is a 503 problem with the residency code", async (t) => {
  const { call, answers } = await endpoint(t, exampleDnsSettings({ whenBlocked: "servfail" }));
  const reply = await call("/lookup/www.example.test./ANY", "198.51.100.112/28");
  assert.deepEqual([reply.status, reply.body.code], [503, "residency_blocked"]);
  assert.deepEqual(answers, ["servfail none"]);
});

test("a blocked client is logged once per name and snapshot, however many queries come", async (t) => {
  const { call, logged, swap } = await endpoint(t);
  const blockedLines = () => logged.filter((line) => line.includes("no site may serve")).length;
  for (let i = 0; i < 5; i++) await call("/lookup/www.example.test./ANY", "198.51.100.112/28");
  assert.equal(blockedLines(), 1);
  swap();
  await call("/lookup/www.example.test./ANY", "198.51.100.112/28");
  assert.equal(blockedLines(), 2, "a new snapshot: logged again");
});
