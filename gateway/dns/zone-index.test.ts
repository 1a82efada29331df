import assert from "node:assert/strict";
import { test } from "node:test";
import { policySchema } from "../../routing-tables/policy-schema.ts";
import { exampleDnsSettings, referenceSnapshot } from "../testing/dns-world.ts";
import { buildZoneIndex } from "./zone-index.ts";

/** The reference world with these services instead of its own. */
function indexFor(services: readonly Record<string, unknown>[]) {
  const policy = policySchema.parse({ services });
  const snapshot = referenceSnapshot({ policy });
  return buildZoneIndex(exampleDnsSettings().zones, snapshot.services, snapshot.router);
}

const SERVICES = [
  { name: "web", hosts: ["www.example.test", "app.example.net", "*"] },
  { name: "api", hosts: ["api.v1.example.test"], pathPrefix: "/" },
  { name: "static", hosts: ["*.cdn.example.test"] },
  { name: "images", hosts: ["img.cdn.example.test"] },
];

/** [what, name, service or "-", apex, name server, empty non-terminal] — undefined: no such name. */
const rows: [string, string, string | undefined, boolean, boolean, boolean][] = [
  ["the apex holds the zone's records", "example.test", "-", true, false, false],
  [
    "a service host in the zone is steered for that service",
    "www.example.test",
    "web",
    false,
    false,
    false,
  ],
  ["a name server in the zone holds its addresses", "ns1.example.test", "-", false, true, false],
  [
    "a name between the apex and a host is an empty non-terminal",
    "v1.example.test",
    "-",
    false,
    false,
    true,
  ],
  [
    "a name below a wildcard host is steered for the wildcard's service",
    "a.b.cdn.example.test",
    "static",
    false,
    false,
    false,
  ],
  ["an exact host wins over a wildcard", "img.cdn.example.test", "images", false, false, false],
  ["a wildcard's own parent is an empty non-terminal", "cdn.example.test", "-", false, false, true],
];

for (const [what, name, service, apex, nameServer, ent] of rows) {
  test(what, () => {
    const facts = indexFor(SERVICES).factsOf(name);
    assert.ok(facts, `${name} exists`);
    assert.deepEqual(
      [
        facts.service?.name ?? "-",
        facts.apex,
        facts.nameServer !== undefined,
        facts.emptyNonTerminal,
      ],
      [service, apex, nameServer, ent],
    );
    assert.equal(facts.zone.settings.name, "example.test");
  });
}

test("a name in the zone that nothing names does not exist, even with a catch-all service", () => {
  const index = indexFor(SERVICES);
  assert.equal(index.factsOf("nope.example.test"), undefined);
  assert.equal(
    index.zoneOf("nope.example.test")?.id,
    1,
    "but it is in the zone (NXDOMAIN, not REFUSED)",
  );
});

test("a host outside every zone is no name of the index", () => {
  const index = indexFor(SERVICES);
  assert.equal(index.factsOf("app.example.net"), undefined);
  assert.equal(index.zoneOf("app.example.net"), undefined);
});

test("of two services on one host, the one serving / answers it", () => {
  const index = indexFor([
    { name: "api", hosts: ["www.example.test"], pathPrefix: "/api" },
    { name: "site", hosts: ["www.example.test"] },
  ]);
  assert.equal(index.factsOf("www.example.test")?.service?.name, "site");
});

test("of nested zones, a name belongs to the longest one", () => {
  const settings = exampleDnsSettings();
  const [zone] = settings.zones;
  assert.ok(zone);
  const inner = { ...zone, name: "eu.example.test" };
  const snapshot = referenceSnapshot();
  const index = buildZoneIndex([zone, inner], snapshot.services, snapshot.router);
  assert.equal(index.zoneOf("www.eu.example.test")?.id, 2);
  assert.equal(index.zoneOf("www.example.test")?.id, 1);
  assert.equal(index.factsOf("eu.example.test")?.apex, true);
});
