// An entry with a schema error is still cross-checked over what of it can be read: every error
// of one entry comes in one run (not the second after the first is fixed), and a part that
// cannot be read is never taken as fine or as wrong.
import assert from "node:assert/strict";
import { test } from "node:test";
import { validateConfig } from "./load-config.ts";

/** A site's YAML lines under `sites:`, with fields replaced or added. */
function site(fields: Record<string, string>): string {
  const all = {
    id: "edge-a",
    name: "Edge A",
    country: "FR",
    jurisdiction: "EU",
    latitude: "48.8",
    longitude: "2.3",
    tier: "edge",
    capacity: "100",
    backends: '["10.0.0.1:8080"]',
    ...fields,
  };
  const lines = Object.entries(all)
    .filter(([, value]) => value !== "")
    .map(([key, value], i) => `${i === 0 ? "  - " : "    "}${key}: ${value}`);
  return `${lines.join("\n")}\n`;
}

const HUB = site({ id: "hub-b", tier: "hub", backends: '["10.0.0.2:8080"]' });
const CATALOGUE = `sites:\n${site({})}${HUB}`;
const POLICY = "services:\n  - name: web\n    hosts: [app.example.net]\n";

interface Row {
  readonly name: string;
  readonly catalogue?: string;
  readonly policy?: string;
  /** Every error expected, as `path: message fragment`, in the order listed. */
  readonly errors: readonly string[];
}

const rows: Row[] = [
  {
    name: "a site with a bad latitude and the id of another site reports both",
    catalogue: `sites:\n${site({})}${site({ latitude: "91", backends: '["10.0.0.9:1"]' })}${HUB}`,
    errors: ["sites[1].id: duplicate site id", "sites[1].latitude: <=90"],
  },
  {
    name: "a site with a bad latitude and neither backends nor consul reports both",
    catalogue: `sites:\n${site({ latitude: "91", backends: "" })}${HUB}`,
    errors: ["sites[0]: a site needs backends or consul", "sites[0].latitude: <=90"],
  },
  {
    name: "a site with a capacity of 0 and both backends and consul reports both",
    catalogue: `sites:\n${site({ capacity: "0", consul: "{ service: web, datacenter: x }" })}${HUB}`,
    errors: ["sites[0].capacity: >=1", "sites[0].consul: give backends or consul, not both"],
  },
  {
    name: "a site whose tier cannot be read is not taken for a missing hub",
    catalogue: `sites:\n${site({})}${site({ id: "hub-b", tier: "hubb", backends: '["10.0.0.2:1"]' })}`,
    errors: ["sites[1].tier: Invalid option"],
  },
  {
    name: "a site with a bad backend and an empty name reports both, and the good backend is checked",
    catalogue: `sites:\n${site({})}${site({ id: "edge-c", name: '""', backends: '["10.0.0.1:8080", "nope"]' })}${HUB}`,
    errors: [
      "sites[1].name: >=1",
      'sites[1].backends[0]: is listed already by site "edge-a"',
      "sites[1].backends[1]: expected host:port",
    ],
  },
  {
    name: "a service with a bad host and the name of another service reports both",
    policy: `${POLICY}  - name: web\n    hosts: [App.example.net]\n`,
    errors: ['services[1].name: duplicate service name "web"', "services[1].hosts[0]: lowercase"],
  },
  {
    name: "a service with a bad host and a pin naming an unknown site reports both",
    policy:
      "services:\n  - name: web\n    hosts: [App.example.net]\n    pins:\n      - clientCountries: [FR]\n        sites: [nowhere]\n",
    errors: [
      "services[0].hosts[0]: lowercase",
      'services[0].pins[0].sites[0]: unknown site "nowhere"',
    ],
  },
  {
    name: "a pin with a bad country and an unknown site reports both",
    policy:
      "services:\n  - name: web\n    hosts: [a.example]\n    pins:\n      - clientCountries: [XX]\n        sites: [nowhere]\n",
    errors: [
      "services[0].pins[0].clientCountries[0]: not an ISO 3166-1",
      'services[0].pins[0].sites[0]: unknown site "nowhere"',
    ],
  },
  {
    name: "defaults with a bad steering and a drain of an unknown site report both",
    policy: `defaults:\n  steering: fastest\n  drain: [nowhere]\n${POLICY}`,
    errors: ["defaults.steering: Invalid option", 'defaults.drain[0]: unknown site "nowhere"'],
  },
  {
    name: "a drain list with a malformed id still has its other ids checked",
    policy: `defaults:\n  drain: [Bad_Id, nowhere]\n${POLICY}`,
    errors: ["defaults.drain[0]: expected a site id", 'defaults.drain[1]: unknown site "nowhere"'],
  },
  {
    name: "a service with a bad residency mode and spill thresholds out of order reports both",
    policy: `${POLICY}    spill:\n      errorRatio: { degradedAbove: 0.5, downAbove: 0.4 }\n    residency:\n      - { name: r, clientCountries: [FR], allowJurisdictions: [EU], mode: bogus }\n`,
    errors: [
      "services[0].spill.errorRatio.downAbove: must be above degradedAbove",
      "services[0].residency[0].mode: Invalid option",
    ],
  },
  {
    name: "a weighted service whose only weight cannot be read is not told it has no weight",
    policy: `${POLICY}    steering: weighted\n    weights: { edge-a: -1 }\n`,
    errors: ["services[0].weights.edge-a: >=0"],
  },
  {
    name: "defaults with a broken field still lend their steering and weights to the services",
    policy: `defaults:\n  steering: weighted\n  weights: { edge-a: 0 }\n  overprovisioningFactor: 0\n${POLICY}`,
    errors: [
      "defaults.overprovisioningFactor: >=1",
      "services[0].weights: at least one site with a weight above 0",
    ],
  },
];

for (const row of rows) {
  test(row.name, () => {
    const result = validateConfig([
      { file: "catalogue.yaml", text: row.catalogue ?? CATALOGUE },
      { file: "policy.yaml", text: row.policy ?? POLICY },
    ]);
    if (result.ok) assert.fail("expected errors, the configuration was accepted");
    const listing = result.errors.map((e) => `${e.path}: ${e.message}`);
    assert.equal(listing.length, row.errors.length, listing.join("\n"));
    row.errors.forEach((want, i) => {
      const [path, fragment = ""] = want.split(": ");
      const got = result.errors[i];
      assert.equal(got?.path, path, listing.join("\n"));
      assert.ok(got?.message.includes(fragment), `"${got?.message}" should contain "${fragment}"`);
    });
  });
}
