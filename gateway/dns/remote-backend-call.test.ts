import assert from "node:assert/strict";
import { test } from "node:test";
import { type ParsedCall, parseBackendCall } from "./remote-backend-call.ts";

const ECS = { "x-remotebackend-real-remote": "198.51.100.160/28" };

const rows: [
  name: string,
  target: string,
  headers: Record<string, string>,
  expected: ParsedCall,
][] = [
  [
    "a look-up gives the decoded name, the type and the client subnet",
    "/dns/lookup/www%2eexample%2etest%2e/ANY",
    ECS,
    {
      ok: true,
      call: {
        method: "lookup",
        qname: "www.example.test.",
        qtype: "ANY",
        realRemote: "198.51.100.160/28",
      },
    },
  ],
  [
    "a slash inside a name arrives encoded and stays inside the name",
    "/dns/lookup/a%2Fb.example.test./A",
    ECS,
    {
      ok: true,
      call: {
        method: "lookup",
        qname: "a/b.example.test.",
        qtype: "A",
        realRemote: "198.51.100.160/28",
      },
    },
  ],
  [
    "the zone list ignores its query string",
    "/dns/getAllDomains?includeDisabled=true",
    {},
    { ok: true, call: { method: "getAllDomains" } },
  ],
  [
    "a zone's metadata kind is the second argument",
    "/dns/getDomainMetadata/example.test./SOA-EDIT",
    {},
    { ok: true, call: { method: "getDomainMetadata", name: "example.test.", kind: "SOA-EDIT" } },
  ],
  [
    "method names are matched without regard to case",
    "/dns/getdomaininfo/example.test.",
    {},
    { ok: true, call: { method: "getDomainInfo", name: "example.test." } },
  ],
  [
    "a method the gateway does not implement is declined, not refused",
    "/dns/getDomainKeys/example.test.",
    {},
    { ok: true, call: { method: "declined", name: "getDomainKeys" } },
  ],
  [
    "a look-up without the client subnet header is malformed (the client is never guessed)",
    "/dns/lookup/www.example.test./A",
    {},
    { ok: false, reason: "lookup without X-RemoteBackend-real-remote" },
  ],
  [
    "a look-up without a type is malformed",
    "/dns/lookup/www.example.test.",
    ECS,
    { ok: false, reason: "lookup takes a name and a type" },
  ],
  [
    "a look-up type that is not a type name is malformed",
    "/dns/lookup/www.example.test./A%20B",
    ECS,
    { ok: false, reason: "lookup's type is not a type name" },
  ],
  [
    "broken percent-encoding is malformed",
    "/dns/lookup/www%zz/A",
    ECS,
    { ok: false, reason: "an argument is not valid percent-encoding" },
  ],
  [
    "a path outside the endpoint's base is malformed",
    "/other/lookup/www.example.test./A",
    ECS,
    { ok: false, reason: "not under /dns/" },
  ],
  [
    "more than three arguments are malformed",
    "/dns/lookup/a/b/c/d",
    ECS,
    { ok: false, reason: "more than 3 arguments" },
  ],
  [
    "a request target over 2048 characters is refused before it is parsed",
    `/dns/lookup/${"a".repeat(2_100)}/A`,
    ECS,
    { ok: false, reason: "request target over 2048 characters" },
  ],
  [
    "a method name with other characters is malformed",
    "/dns/look-up/x/A",
    ECS,
    { ok: false, reason: "no method name" },
  ],
];

for (const [name, target, headers, expected] of rows) {
  test(name, () => {
    assert.deepEqual(
      parseBackendCall(target, (header) => headers[header]),
      expected,
    );
  });
}
