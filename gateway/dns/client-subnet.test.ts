import assert from "node:assert/strict";
import { test } from "node:test";
import { type ClientSubnet, parseClientSubnet } from "./client-subnet.ts";

const rows: [name: string, text: string, expected: ClientSubnet | undefined][] = [
  [
    "an ECS subnet gives its address and source prefix",
    "198.51.100.160/28",
    { address: "198.51.100.160", family: 4, sourcePrefix: 28 },
  ],
  [
    "a resolver's own address comes as a host prefix",
    "127.0.0.1/32",
    { address: "127.0.0.1", family: 4, sourcePrefix: 32 },
  ],
  [
    "PowerDNS's own look-ups name 0.0.0.0/0: nothing is known of the client",
    "0.0.0.0/0",
    { address: "0.0.0.0", family: 4, sourcePrefix: 0 },
  ],
  [
    "an IPv6 subnet is read with its prefix",
    "2001:db8:b::/56",
    { address: "2001:db8:b::", family: 6, sourcePrefix: 56 },
  ],
  [
    "an IPv6 interface suffix is dropped",
    "fe80::1%eth1/128",
    { address: "fe80::1", family: 6, sourcePrefix: 128 },
  ],
  [
    "an address without a prefix is a host prefix",
    "2001:db8::1",
    { address: "2001:db8::1", family: 6, sourcePrefix: 128 },
  ],
  ["an IPv4 prefix above 32 is refused", "198.51.100.0/33", undefined],
  ["an IPv6 prefix above 128 is refused", "2001:db8::/129", undefined],
  ["a prefix that is not a number is refused", "198.51.100.0/x", undefined],
  ["a signed prefix is refused", "198.51.100.0/+8", undefined],
  ["an interface suffix on IPv4 is refused", "198.51.100.1%eth0/32", undefined],
  ["a host name is refused", "resolver.example/32", undefined],
  ["two subnets joined by a comma are refused", "192.0.2.1/32, 192.0.2.2/32", undefined],
  ["the empty text is refused", "", undefined],
  ["text over 64 characters is refused", `${"1".repeat(70)}/8`, undefined],
];

for (const [name, text, expected] of rows) {
  test(name, () => assert.deepEqual(parseClientSubnet(text), expected));
}
