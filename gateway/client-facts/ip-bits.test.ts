// Pure parsing: table tests, and a property check against the WHATWG URL parser's own IPv6
// reading (an independent implementation) for the forms fast-check generates.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ipv4FromMapped, ipv4ToUint32, ipv6Groups, ipv6Words } from "./ip-bits.ts";

const ipv4Cases: readonly [string, number | undefined][] = [
  ["0.0.0.0", 0],
  ["198.51.100.1", 0xc6336401],
  ["255.255.255.255", 0xffffffff],
  ["01.2.3.4", undefined],
  ["1.2.3", undefined],
  ["256.1.1.1", undefined],
  ["::1", undefined],
  ["", undefined],
];

for (const [text, expected] of ipv4Cases) {
  test(`IPv4 ${JSON.stringify(text)} reads as ${expected ?? "not IPv4"}`, () => {
    assert.equal(ipv4ToUint32(text), expected);
  });
}

const ipv6Cases: readonly [string, number[] | undefined][] = [
  ["::", [0, 0, 0, 0, 0, 0, 0, 0]],
  ["::1", [0, 0, 0, 0, 0, 0, 0, 1]],
  ["2001:DB8::1", [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]],
  ["2001:db8:1::", [0x2001, 0xdb8, 1, 0, 0, 0, 0, 0]],
  ["1:2:3:4:5:6:7:8", [1, 2, 3, 4, 5, 6, 7, 8]],
  ["1::", [1, 0, 0, 0, 0, 0, 0, 0]],
  ["1:0::0:8", [1, 0, 0, 0, 0, 0, 0, 8]],
  ["abcd:EF01::FFFF", [0xabcd, 0xef01, 0, 0, 0, 0, 0, 0xffff]],
  ["::1.2.3.4", [0, 0, 0, 0, 0, 0, 0x102, 0x304]],
  ["1:2:3:4:5:6:255.255.255.255", [1, 2, 3, 4, 5, 6, 0xffff, 0xffff]],
  ["::ffff:198.51.100.1", [0, 0, 0, 0, 0, 0xffff, 0xc633, 0x6401]],
  ["fe80::1%eth0", undefined],
  ["198.51.100.1", undefined],
  ["2001:db8::g", undefined],
  ["[::1]", undefined],
];

for (const [text, expected] of ipv6Cases) {
  test(`IPv6 ${JSON.stringify(text)} reads as ${expected ? "its eight groups" : "not IPv6"}`, () => {
    assert.deepEqual(ipv6Groups(text), expected);
  });
}

test("an IPv6 address as words is four unsigned 32-bit numbers, most significant first", () => {
  assert.deepEqual(ipv6Words("ffff:8000::1"), [0xffff8000, 0, 0, 1]);
  assert.deepEqual(ipv6Words("::ffff:198.51.100.1"), [0, 0, 0xffff, 0xc6336401]);
  assert.equal(ipv6Words("1.2.3.4"), undefined);
});

test("only 0:0:0:0:0:ffff:w:x is an IPv4-mapped address", () => {
  assert.equal(ipv4FromMapped([0, 0, 0, 0, 0, 0xffff, 0xc633, 0x6401]), "198.51.100.1");
  assert.equal(ipv4FromMapped([0, 0, 0, 0, 0, 0, 0xc633, 0x6401]), undefined);
  assert.equal(ipv4FromMapped([1, 0, 0, 0, 0, 0xffff, 0xc633, 0x6401]), undefined);
});

test("every generated IPv6 address reads as the URL parser reads it", () => {
  fc.assert(
    fc.property(fc.ipV6(), (text) => {
      const groups = ipv6Groups(text);
      assert.ok(groups, text);
      const full = groups.map((g) => g.toString(16)).join(":");
      assert.equal(new URL(`http://[${full}]/`).hostname, new URL(`http://[${text}]/`).hostname);
    }),
    { numRuns: 5000 },
  );
});

test("every generated IPv4 address reads as its octets", () => {
  fc.assert(
    fc.property(fc.ipV4(), (text) => {
      const value = ipv4ToUint32(text) as number;
      const octets = [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
      assert.equal(octets.join("."), text);
    }),
  );
});
