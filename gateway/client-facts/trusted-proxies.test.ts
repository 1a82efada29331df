// Pure code: one table per rule, sentence names.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type ClientAddress,
  type ClientAddressHeader,
  clientAddress,
  createTrustedProxies,
  type HeaderValues,
  normalizeAddress,
} from "./trusted-proxies.ts";

const normalizeCases: readonly [string, string | undefined][] = [
  ["192.0.2.60", "192.0.2.60"],
  ["192.0.2.60:8080", "192.0.2.60"],
  [" 192.0.2.60 ", "192.0.2.60"],
  ["::ffff:192.0.2.60", "192.0.2.60"],
  ["::FFFF:c000:023c", "192.0.2.60"],
  ["[::ffff:192.0.2.60]:443", "192.0.2.60"],
  ["[2001:db8::1]:4711", "2001:db8::1"],
  ["[2001:DB8::1]", "2001:db8::1"],
  ["2001:DB8::1", "2001:db8::1"],
  ["fe80::1%eth0", "fe80::1"],
  ["[fe80::1%25eth0]:80", "fe80::1"],
  ["192.0.2.60:_abc", "192.0.2.60"],
  ["::ffff:0:0:1", "::ffff:0:0:1"],
  ["::ffff:0:1", "0.0.0.1"],
  ["unknown", undefined],
  ["_hidden", undefined],
  ["", undefined],
  ["192.0.2.60:http", undefined],
  ["[2001:db8::1", undefined],
  ["[2001:db8::1]x", undefined],
  ["999.0.2.60", undefined],
  ["example.com", undefined],
];

for (const [text, expected] of normalizeCases) {
  test(`normalizeAddress reads ${JSON.stringify(text)} as ${expected ?? "no address"}`, () => {
    assert.equal(normalizeAddress(text), expected);
  });
}

const trusted = createTrustedProxies(["127.0.0.0/8", "::1/128", "10.0.0.0/8", "2001:db8:f::/48"]);

const trustCases: readonly [string, boolean][] = [
  ["127.0.0.1", true],
  ["10.255.0.1", true],
  ["::ffff:10.1.2.3", true],
  ["::1", true],
  ["[::1]:8080", true],
  ["2001:DB8:F::7", true],
  ["11.0.0.1", false],
  ["2001:db8:e::1", false],
  ["unknown", false],
];

for (const [address, expected] of trustCases) {
  test(`${address} is ${expected ? "" : "not "}a trusted proxy`, () => {
    assert.equal(trusted.has(address), expected);
  });
}

test("a bare address is trusted as one host, and an IPv4-mapped CIDR matches IPv4", () => {
  const list = createTrustedProxies(["192.0.2.1", "::ffff:198.51.100.0/120"]);
  assert.equal(list.has("192.0.2.1"), true);
  assert.equal(list.has("192.0.2.2"), false);
  assert.equal(list.has("198.51.100.7"), true);
});

test("invalid CIDRs are all listed in one error", () => {
  assert.throws(
    () => createTrustedProxies(["10.0.0.0/8", "10.0.0.0/33", "::/129", "proxy", "1.2.3.4/x", ""]),
    {
      message:
        'invalid trusted proxy CIDRs: "10.0.0.0/33" (prefix above 32), "::/129" (prefix above 128), ' +
        '"proxy" (not an IP address or CIDR), "1.2.3.4/x" (prefix is not a number), ' +
        '"" (not an IP address or CIDR)',
    },
  );
});

interface Case {
  readonly name: string;
  readonly peer: string;
  readonly headers: HeaderValues;
  readonly header?: ClientAddressHeader;
  readonly expected: ClientAddress;
}

const via = (address: string): ClientAddress => ({ address, viaTrustedProxy: true });
const peer = (address: string): ClientAddress => ({ address, viaTrustedProxy: false });

const cases: readonly Case[] = [
  {
    name: "an untrusted peer is the client and its spoofed X-Forwarded-For is ignored",
    peer: "203.0.113.9",
    headers: { "x-forwarded-for": "1.1.1.1" },
    expected: peer("203.0.113.9"),
  },
  {
    name: "a trusted peer's X-Forwarded-For names the client",
    peer: "10.0.0.1",
    headers: { "x-forwarded-for": "203.0.113.9" },
    expected: via("203.0.113.9"),
  },
  {
    name: "trusted proxies are skipped from the right",
    peer: "127.0.0.1",
    headers: { "x-forwarded-for": "203.0.113.9, 10.0.0.2, 10.0.0.1" },
    expected: via("203.0.113.9"),
  },
  {
    name: "an address the client wrote left of its own is not believed",
    peer: "10.0.0.1",
    headers: { "x-forwarded-for": "1.1.1.1, 203.0.113.9, 10.0.0.2" },
    expected: via("203.0.113.9"),
  },
  {
    name: "repeated header lines as a list are read as one chain",
    peer: "10.0.0.1",
    headers: { "x-forwarded-for": ["1.1.1.1", "203.0.113.9, 10.0.0.2"] },
    expected: via("203.0.113.9"),
  },
  {
    name: "when every hop is trusted the left-most wins",
    peer: "10.0.0.1",
    headers: { "x-forwarded-for": "10.0.0.3, ::1, 10.0.0.2" },
    expected: via("10.0.0.3"),
  },
  {
    name: "an IPv6 client behind an IPv4-mapped trusted peer",
    peer: "::ffff:10.0.0.1",
    headers: { "x-forwarded-for": "2001:DB8:1::1, ::ffff:10.0.0.2" },
    expected: via("2001:db8:1::1"),
  },
  {
    name: "an IPv4-mapped client comes out as IPv4",
    peer: "::1",
    headers: { "x-forwarded-for": "::ffff:198.51.100.1" },
    expected: via("198.51.100.1"),
  },
  {
    name: "an untrusted IPv4-mapped peer comes out as IPv4",
    peer: "::ffff:203.0.113.9",
    headers: {},
    expected: peer("203.0.113.9"),
  },
  {
    name: "garbage at the right stops the walk at the peer",
    peer: "10.0.0.1",
    headers: { "x-forwarded-for": "203.0.113.9, garbage" },
    expected: peer("10.0.0.1"),
  },
  {
    name: "garbage further left stops the walk at the last address read",
    peer: "10.0.0.1",
    headers: { "x-forwarded-for": "203.0.113.9, unknown, 10.0.0.2" },
    expected: via("10.0.0.2"),
  },
  {
    name: "an empty header leaves the trusted peer as the client",
    peer: "10.0.0.1",
    headers: { "x-forwarded-for": "" },
    expected: peer("10.0.0.1"),
  },
  {
    name: "no header leaves the trusted peer as the client",
    peer: "127.0.0.1",
    headers: {},
    expected: peer("127.0.0.1"),
  },
  {
    name: "Forwarded: a quoted IPv6 node with a port names the client",
    peer: "10.0.0.1",
    headers: { forwarded: 'for="[2001:db8:cafe::17]:4711";proto=https' },
    header: "forwarded",
    expected: via("2001:db8:cafe::17"),
  },
  {
    name: "Forwarded: trusted hops are skipped and ports stripped",
    peer: "10.0.0.1",
    headers: { forwarded: "for=192.0.2.60:8080;by=10.0.0.2, FOR=10.0.0.2;proto=http" },
    header: "forwarded",
    expected: via("192.0.2.60"),
  },
  {
    name: "Forwarded: an obfuscated node stops the walk",
    peer: "10.0.0.1",
    headers: { forwarded: "for=192.0.2.60, for=_hidden, for=10.0.0.2" },
    header: "forwarded",
    expected: via("10.0.0.2"),
  },
  {
    name: "Forwarded: for=unknown at the right leaves the peer",
    peer: "10.0.0.1",
    headers: { forwarded: "for=192.0.2.60, for=unknown" },
    header: "forwarded",
    expected: peer("10.0.0.1"),
  },
  {
    name: "Forwarded: X-Forwarded-For is ignored when Forwarded is the chosen header",
    peer: "10.0.0.1",
    headers: { forwarded: "for=192.0.2.60", "x-forwarded-for": "198.51.100.1" },
    header: "forwarded",
    expected: via("192.0.2.60"),
  },
  {
    name: "Forwarded: an untrusted peer's Forwarded is ignored",
    peer: "198.51.100.1",
    headers: { forwarded: "for=192.0.2.60" },
    header: "forwarded",
    expected: peer("198.51.100.1"),
  },
];

for (const c of cases) {
  test(c.name, () => {
    assert.deepEqual(clientAddress(c.peer, c.headers, trusted, c.header), c.expected);
  });
}

test("a peer that is not an IP address is a TypeError", () => {
  assert.throws(() => clientAddress("", {}, trusted), TypeError);
});
