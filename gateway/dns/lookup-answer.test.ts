// answerLookup over the reference world and the zone example.test: the records PowerDNS gets
// for each kind of name and type.
import assert from "node:assert/strict";
import { test } from "node:test";
import { policySchema } from "../../routing-tables/policy-schema.ts";
import type { Snapshot } from "../../routing-tables/snapshot.ts";
import type { DnsSettings } from "../config/dns-schema.ts";
import { exampleDnsSettings, placeLocation, referenceSnapshot } from "../testing/dns-world.ts";
import type { BackendRecord } from "./backend-record.ts";
import { answerLookup, type LocatedClient, type LookupAnswer } from "./lookup-answer.ts";
import { buildZoneIndex } from "./zone-index.ts";

const ZANZIBAR: LocatedClient = { location: placeLocation("zanzibar"), scopePrefix: 28 };
const SERIAL = 1_700_000_000;

function lookup(
  qname: string,
  qtype: string,
  options: { snapshot?: Snapshot; settings?: DnsSettings; client?: LocatedClient } = {},
): LookupAnswer {
  const snapshot = options.snapshot ?? referenceSnapshot();
  const settings = options.settings ?? exampleDnsSettings();
  const index = buildZoneIndex(settings.zones, snapshot.services, snapshot.router);
  const context = { settings, index, snapshot, ingress: "fra", serial: SERIAL, random: () => 0 };
  return answerLookup(context, qname, qtype, () => options.client ?? ZANZIBAR);
}

const brief = (records: readonly BackendRecord[]) =>
  records.map(
    (r) =>
      `${r.qtype} ${r.content} ttl=${r.ttl}${r.scopeMask === undefined ? "" : ` /${r.scopeMask}`}`,
  );

function recordsOf(answer: LookupAnswer): string[] {
  assert.ok(answer.ok, JSON.stringify(answer));
  return brief(answer.records);
}

const SOA = "SOA ns1.example.test. ops.example.test. 1700000000 10800 3600 1209600 30 ttl=3600";
const NS = ["NS ns1.example.test. ttl=3600", "NS ns2.example.test. ttl=3600"];

/** [what, qname, qtype, records, outcome] */
const rows: [string, string, string, string[], string][] = [
  [
    "the apex's SOA names the first name server, the contact, the serial and the negative TTL",
    "example.test.",
    "SOA",
    [SOA],
    "answer",
  ],
  ["the apex's NS records list every name server", "example.test.", "NS", NS, "answer"],
  ["an ANY look-up of the apex gives SOA and NS", "example.test.", "ANY", [SOA, ...NS], "answer"],
  [
    "a Zanzibar client's A is the Zanzibar site's, with the short TTL and the ECS scope",
    "www.example.test.",
    "A",
    ["A 192.0.2.110 ttl=30 /28"],
    "answer",
  ],
  [
    "its AAAA is the same site's",
    "www.example.test.",
    "AAAA",
    ["AAAA 2001:db8:ff::110 ttl=30 /28"],
    "answer",
  ],
  [
    "an ANY look-up gives both addresses of one site",
    "WWW.Example.Test.",
    "ANY",
    ["A 192.0.2.110 ttl=30 /28", "AAAA 2001:db8:ff::110 ttl=30 /28"],
    "answer",
  ],
  [
    "a name server's name has its addresses, without a scope",
    "ns1.example.test.",
    "ANY",
    ["A 192.0.2.53 ttl=3600", "AAAA 2001:db8:ff::53 ttl=3600"],
    "answer",
  ],
  ["a name server without an IPv6 address has no AAAA", "ns2.example.test.", "AAAA", [], "nodata"],
  ["an existing name without the type asked is NODATA", "www.example.test.", "MX", [], "nodata"],
  [
    "a type an existing name lacks is NODATA, with no records to say so",
    "ns2.example.test.",
    "TXT",
    [],
    "nodata",
  ],
  [
    "a name in the zone that nothing names is NXDOMAIN",
    "nope.example.test.",
    "ANY",
    [],
    "nxdomain",
  ],
  ["a name in no zone is refused", "www.example.net.", "A", [], "refused"],
  ["a name with an escape is refused", "a\\.b.example.test.", "A", [], "refused"],
];

for (const [what, qname, qtype, records, outcome] of rows) {
  test(what, () => {
    const answer = lookup(qname, qtype);
    assert.deepEqual(recordsOf(answer), records);
    assert.equal(answer.ok && answer.outcome, outcome);
  });
}

test("an ANY look-up of an empty non-terminal gives the marker PowerDNS answers NODATA for", () => {
  const policy = policySchema.parse({
    services: [{ name: "api", hosts: ["api.v1.example.test"] }],
  });
  const answer = lookup("v1.example.test.", "ANY", { snapshot: referenceSnapshot({ policy }) });
  assert.deepEqual(answer, {
    ok: true,
    records: [{ qtype: "", qname: "v1.example.test.", content: "", ttl: 0, domain_id: 1 }],
    outcome: "nodata",
  });
});

test("records carry the name as PowerDNS asked it and the zone's domain id", () => {
  const answer = lookup("WWW.Example.Test.", "A");
  assert.ok(answer.ok);
  assert.deepEqual(
    answer.records.map((r) => [r.qname, r.domain_id]),
    [["WWW.Example.Test.", 1]],
  );
  assert.equal(answer.site, "znz");
});

test("a steered name's SOA look-up costs no decision", () => {
  const settings = exampleDnsSettings();
  const snapshot = referenceSnapshot();
  const index = buildZoneIndex(settings.zones, snapshot.services, snapshot.router);
  const context = { settings, index, snapshot, ingress: "fra", serial: 1, random: () => 0 };
  const answer = answerLookup(context, "www.example.test.", "SOA", () => {
    throw new Error("the client was located");
  });
  assert.deepEqual(answer, { ok: true, records: [], outcome: "nodata" });
});

test("the TTL of steered answers is the setting's, 0 included", () => {
  const settings = exampleDnsSettings({ ttlSeconds: 0 });
  assert.deepEqual(recordsOf(lookup("www.example.test.", "A", { settings })), [
    "A 192.0.2.110 ttl=0 /28",
  ]);
});

const blockedWorld = () =>
  referenceSnapshot({
    overrides: { cdg: { compromised: true }, arn: { draining: true }, fra: { compromised: true } },
  });
const PARIS: LocatedClient = { location: placeLocation("paris"), scopePrefix: 28 };

test("a client no site may serve gets NODATA by default, and the reason", () => {
  const answer = lookup("www.example.test.", "ANY", { snapshot: blockedWorld(), client: PARIS });
  assert.ok(answer.ok);
  assert.deepEqual(
    [brief(answer.records), answer.outcome, answer.blocked],
    [["  ttl=0"], "nodata", "residency_blocked"],
  );
  assert.equal(answer.site, undefined);
});

test("with whenBlocked servfail, such a client's look-up is a problem with its code", () => {
  const settings = exampleDnsSettings({ whenBlocked: "servfail" });
  const answer = lookup("www.example.test.", "A", {
    snapshot: blockedWorld(),
    client: PARIS,
    settings,
  });
  assert.deepEqual(answer, { ok: false, code: "residency_blocked", service: "web" });
});

test("the blocked EU client's neighbour outside the EU is still answered", () => {
  const london = { location: placeLocation("london"), scopePrefix: 28 };
  assert.deepEqual(
    recordsOf(lookup("www.example.test.", "A", { snapshot: blockedWorld(), client: london })),
    ["A 192.0.2.70 ttl=30 /28"],
  );
});

test("a client of unknown location gets scope 0: the answer holds for every client", () => {
  const client = { location: {}, scopePrefix: 0 };
  assert.deepEqual(recordsOf(lookup("www.example.test.", "A", { client })), [
    "A 192.0.2.200 ttl=30 /0",
  ]);
});
