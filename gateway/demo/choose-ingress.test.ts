// The anycast stand-in's choice of ingress: table tests over a small world.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ClientLocation } from "../../routing-tables/client.ts";
import { type AnycastSite, chooseIngress } from "./choose-ingress.ts";

const SITES: readonly AnycastSite[] = [
  { id: "lhr", tier: "edge", latitude: 51.47, longitude: -0.45 },
  { id: "cdg", tier: "edge", latitude: 49.01, longitude: 2.55 },
  { id: "fra", tier: "hub", latitude: 50.11, longitude: 8.68 },
  { id: "iad", tier: "hub", latitude: 39.04, longitude: -77.49 },
];
const LONDON: ClientLocation = { country: "GB", latitude: 51.5, longitude: -0.13 };
const UNKNOWN: ClientLocation = {};

const cases: [string, ClientLocation, readonly string[], string | undefined, string | undefined][] =
  [
    [
      "a located client goes to the nearest announcing site",
      LONDON,
      ["lhr", "cdg", "fra", "iad"],
      undefined,
      "lhr",
    ],
    [
      "a site that stops announcing is passed over for the next nearest",
      LONDON,
      ["cdg", "fra", "iad"],
      undefined,
      "cdg",
    ],
    [
      "a client of unknown location goes to the first announcing hub",
      UNKNOWN,
      ["lhr", "cdg", "fra", "iad"],
      undefined,
      "fra",
    ],
    [
      "the default site, when announcing, takes clients of unknown location",
      UNKNOWN,
      ["lhr", "iad"],
      "iad",
      "iad",
    ],
    [
      "a default site that does not announce falls back to the first hub",
      UNKNOWN,
      ["lhr", "fra"],
      "iad",
      "fra",
    ],
    [
      "with no hub announcing, the first announcing site takes them",
      UNKNOWN,
      ["cdg", "lhr"],
      undefined,
      "lhr",
    ],
    ["nobody announcing: no ingress", LONDON, [], undefined, undefined],
    [
      "a country without coordinates counts as unknown",
      { country: "GB" },
      ["lhr", "iad"],
      undefined,
      "iad",
    ],
  ];

for (const [name, client, announcing, defaultSite, expected] of cases) {
  test(name, () => {
    const isAnnouncing = (id: string) => announcing.includes(id);
    assert.equal(chooseIngress(SITES, client, isAnnouncing, defaultSite), expected);
  });
}
