// The boot's dns section: what it accepts and every way it refuses a zone.
import assert from "node:assert/strict";
import { test } from "node:test";
import { bootSchema } from "./boot-schema.ts";

const ZONE = { name: "example.test", nameServers: [{ name: "ns1.example.test" }] };

/** The dotted paths and messages of the errors, or [] when the section is valid. */
function errorsOf(dns: Record<string, unknown>): string[] {
  const parsed = bootSchema.safeParse({ site: "a", catalogue: "c.yaml", policy: "p.yaml", dns });
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

test("DNS is off by default, with a 30 s TTL and NODATA for blocked clients", () => {
  const parsed = bootSchema.parse({ site: "a", catalogue: "c.yaml", policy: "p.yaml" });
  const { enabled, ttlSeconds, whenBlocked, listen } = parsed.dns;
  assert.deepEqual(
    [enabled, ttlSeconds, whenBlocked, listen],
    [false, 30, "nodata", { host: "127.0.0.1", port: 8053 }],
  );
});

const rows: [name: string, dns: Record<string, unknown>, expected: string[]][] = [
  ["an enabled zone with one name server is valid", { enabled: true, zones: [ZONE] }, []],
  ["a TTL of 0 is valid (tests, and answers never cached)", { ttlSeconds: 0 }, []],
  [
    "enabled without a zone is refused at zones",
    { enabled: true },
    ["dns.zones: dns.enabled needs at least one zone"],
  ],
  [
    "a zone name with capitals is refused",
    { zones: [{ ...ZONE, name: "Example.test" }] },
    ["dns.zones.0.name: a DNS name in lowercase without the trailing dot, e.g. example.test"],
  ],
  [
    "a zone name with its trailing dot is refused",
    { zones: [{ ...ZONE, name: "example.test." }] },
    ["dns.zones.0.name: a DNS name in lowercase without the trailing dot, e.g. example.test"],
  ],
  [
    "a zone listed twice is refused",
    { zones: [ZONE, ZONE] },
    ["dns.zones: a zone is listed twice"],
  ],
  [
    "a zone without a name server is refused",
    { zones: [{ ...ZONE, nameServers: [] }] },
    ["dns.zones.0.nameServers: Too small: expected array to have >=1 items"],
  ],
  [
    "a hostmaster with a dot before the @ is refused (it cannot be written as an RNAME here)",
    { zones: [{ ...ZONE, hostmaster: "dns.ops@example.test" }] },
    ["dns.zones.0.hostmaster: no dot before the @"],
  ],
  [
    "a name server's glue that is not an IPv4 address is refused",
    { zones: [{ ...ZONE, nameServers: [{ name: "ns1.example.test", ipv4: "2001:db8::53" }] }] },
    ["dns.zones.0.nameServers.0.ipv4: Invalid IPv4 address"],
  ],
  [
    "a TTL over a day is refused",
    { ttlSeconds: 86_401 },
    ["dns.ttlSeconds: Too big: expected number to be <=86400"],
  ],
];

for (const [name, dns, expected] of rows) {
  test(name, () => assert.deepEqual(errorsOf(dns), expected));
}
