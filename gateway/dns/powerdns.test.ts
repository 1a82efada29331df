// Real PowerDNS (pdns_server with its remote backend) in front of a real gateway's DNS
// endpoint, asked with dig over UDP and TCP. Skipped, with the reason, where pdns_server,
// the remote backend or dig is not installed. PowerDNS's caches are off and the steered TTL
// is 0, so every dig reaches the gateway's decision.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { RunningGateway } from "../process/start-gateway.ts";
import { startDnsGateway } from "../testing/dns-world.ts";
import { addressesOf, type PowerDns, powerdnsMissing, startPowerDns } from "../testing/powerdns.ts";
import { adminPost } from "../testing/test-admin.ts";

const missing = powerdnsMissing();
const ZANZIBAR = "198.51.100.160/28";
const PARIS = "198.51.100.112/28";
const ZNZ = "192.0.2.110";
const DAR = "192.0.2.100";
const EU_ADDRESSES = new Set(["192.0.2.80", "192.0.2.90", "192.0.2.200"]); // cdg, arn, fra

describe("PowerDNS answers from the gateway's decision", { skip: missing }, () => {
  let gateway: RunningGateway;
  let pdns: PowerDns;

  before(async () => {
    gateway = await startDnsGateway();
    assert.ok(gateway.dnsUrl, "the gateway serves DNS answers");
    pdns = await startPowerDns({ endpointUrl: gateway.dnsUrl, zone: "example.test" });
  });
  after(async () => {
    await pdns?.stop();
    await gateway?.shutdown(100);
  });

  const override = async (site: string, action: "compromise" | "drain" | "restore") => {
    const response = await adminPost(`${gateway.adminUrl}/sites/${site}/${action}`);
    assert.equal(response.status, 200, await response.text());
  };

  test("a Zanzibar client subnet is answered with the Zanzibar site, its ECS scope and TTL 0", async () => {
    const answer = await pdns.dig("www.example.test", "A", `+subnet=${ZANZIBAR}`);
    assert.equal(answer.status, "NOERROR");
    assert.ok(answer.aa, "authoritative");
    assert.deepEqual(addressesOf(answer), [ZNZ]);
    assert.equal(answer.answer[0]?.ttl, 0);
    assert.equal(answer.clientSubnet, `${ZANZIBAR}/28`, "the scope: the GeoIP network's /28");
  });

  test("after Zanzibar is marked compromised the next answer is Dar es Salaam, and back after restore", async (t) => {
    t.after(() => override("znz", "restore"));
    await override("znz", "compromise");
    assert.deepEqual(addressesOf(await pdns.dig("www.example.test", "A", `+subnet=${ZANZIBAR}`)), [
      DAR,
    ]);
    await override("znz", "restore");
    assert.deepEqual(addressesOf(await pdns.dig("www.example.test", "A", `+subnet=${ZANZIBAR}`)), [
      ZNZ,
    ]);
  });

  test("an EU client gets only EU sites, also with Paris draining", async (t) => {
    t.after(() => override("cdg", "restore"));
    const seen = new Set<string>();
    for (const drained of [false, true]) {
      if (drained) await override("cdg", "drain");
      for (let i = 0; i < 10; i++)
        for (const address of addressesOf(
          await pdns.dig("www.example.test", "A", `+subnet=${PARIS}`),
        ))
          seen.add(address);
    }
    assert.ok(
      [...seen].every((a) => EU_ADDRESSES.has(a)),
      `answers: ${[...seen]}`,
    );
    assert.ok(seen.has("192.0.2.80") && seen.has("192.0.2.200"), "Paris, then Frankfurt");
  });

  test("with every EU site out an EU client gets NODATA, never a site abroad", async (t) => {
    t.after(() => Promise.all(["cdg", "arn", "fra"].map((s) => override(s, "restore"))));
    for (const site of ["cdg", "arn", "fra"]) await override(site, "compromise");
    const answer = await pdns.dig("www.example.test", "A", `+subnet=${PARIS}`);
    assert.deepEqual([answer.status, answer.answer], ["NOERROR", []]);
    assert.equal(answer.authority[0]?.type, "SOA", "NODATA carries the zone's SOA");
  });

  test("UDP and TCP both answer, AAAA too", async () => {
    const udp = await pdns.dig("www.example.test", "AAAA", `+subnet=${ZANZIBAR}`, "+notcp");
    const tcp = await pdns.dig("www.example.test", "AAAA", `+subnet=${ZANZIBAR}`, "+tcp");
    assert.deepEqual(addressesOf(udp, "AAAA"), ["2001:db8:ff::110"]);
    assert.deepEqual(addressesOf(tcp, "AAAA"), ["2001:db8:ff::110"]);
  });

  test("the SOA names the primary name server, the contact and the negative TTL", async () => {
    const answer = await pdns.dig("example.test", "SOA");
    assert.equal(answer.status, "NOERROR");
    const [soa] = answer.answer;
    assert.equal(soa?.type, "SOA");
    const [mname, rname, , refresh, retry, expire, minimum] = (soa?.data ?? "").split(" ");
    assert.deepEqual(
      [mname, rname, refresh, retry, expire, minimum],
      ["ns1.example.test.", "ops.example.test.", "10800", "3600", "1209600", "30"],
    );
  });

  test("NS lists both name servers, with their addresses as additional records", async () => {
    const answer = await pdns.dig("example.test", "NS");
    assert.deepEqual(answer.answer.map((r) => r.data).sort(), [
      "ns1.example.test.",
      "ns2.example.test.",
    ]);
    assert.match(answer.text, /ns1\.example\.test\.\s+\d+\s+IN\s+A\s+192\.0\.2\.53/);
  });

  test("an unknown name in the zone is NXDOMAIN, a name in no zone is REFUSED", async () => {
    assert.equal((await pdns.dig("nope.example.test", "A")).status, "NXDOMAIN");
    assert.equal((await pdns.dig("www.example.net", "A")).status, "REFUSED");
  });

  test("a query without a client subnet is located by the resolver's address (here unknown: ranked from fra)", async () => {
    const answer = await pdns.dig("www.example.test", "A");
    assert.deepEqual(addressesOf(answer), ["192.0.2.200"]);
  });
});
