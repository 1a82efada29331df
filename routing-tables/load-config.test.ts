// validateConfig over small catalogue + policy texts: one table row per rule, each naming the
// exact file, line and dotted path of every error it expects, and a fragment of its message.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { ConfigError } from "./config-error.ts";
import { type ConfigResult, type ConfigText, validateConfig } from "./load-config.ts";

const CAT = "catalogue.yaml";
const POL = "policy.yaml";

/** A site as `key: value` YAML lines in this order; an undefined value leaves the key out. */
type SiteLines = Readonly<Record<string, string | undefined>>;

const EDGE: SiteLines = {
  id: "edge-a",
  name: "Edge A",
  country: "FR",
  jurisdiction: "EU",
  latitude: "48.8",
  longitude: "2.3",
  tier: "edge",
  capacity: "100",
  backends: '["10.0.0.1:8080"]',
};

const HUB: SiteLines = {
  id: "hub-b",
  name: "Hub B",
  country: "DE",
  jurisdiction: "EU",
  latitude: "50.1",
  longitude: "8.7",
  tier: "hub",
  capacity: "1000",
  backends: '["10.0.0.2:8080"]',
};

/**
 * `sites:` on line 1, then each site's keys one a line. With EDGE then HUB: edge-a's keys are
 * lines 2-10 (id 2, name 3, country 4, jurisdiction 5, latitude 6, longitude 7, tier 8,
 * capacity 9, backends 10) and hub-b's lines 11-19; a key added to edge-a comes at line 11.
 */
function catalogueYaml(...sites: SiteLines[]): string {
  const lines = ["sites:"];
  for (const site of sites) {
    const entries = Object.entries(site).filter(([, value]) => value !== undefined);
    entries.forEach(([key, value], i) => {
      lines.push(`${i === 0 ? "  - " : "    "}${key}: ${value}`);
    });
  }
  return `${lines.join("\n")}\n`;
}

const CATALOGUE = catalogueYaml(EDGE, HUB);

const POLICY = `services:
  - name: web
    hosts: [app.example.net]
`;

/** `text` with `line` inserted after the (unique) line `after`. */
function insertAfter(text: string, after: string, line: string): string {
  assert.equal(text.split(`\n${after}\n`).length, 2, `"${after}" is not one whole line`);
  return text.replace(`\n${after}\n`, `\n${after}\n${line}\n`);
}

interface Expected {
  readonly file: string;
  readonly line: number;
  readonly path: string;
  readonly message: string;
}

interface Row {
  readonly name: string;
  /** Defaults to the minimal valid catalogue and policy. */
  readonly catalogue?: string;
  readonly policy?: string;
  /** Instead of catalogue and policy: exactly these files. */
  readonly files?: readonly ConfigText[];
  readonly errors: readonly Expected[];
}

function errorsOf(result: ConfigResult): readonly ConfigError[] {
  if (result.ok) assert.fail("expected errors, the configuration was accepted");
  return result.errors;
}

/** Every error, in order: the same file, line and path, and a message containing the fragment. */
function assertErrors(actual: readonly ConfigError[], expected: readonly Expected[]): void {
  const listing = actual.map((e) => `  ${e.file}:${e.line}:${e.column}: ${e.path}: ${e.message}`);
  assert.deepEqual(
    actual.map(({ file, line, path }) => ({ file, line, path })),
    expected.map(({ file, line, path }) => ({ file, line, path })),
    `errors were:\n${listing.join("\n")}`,
  );
  expected.forEach((want, i) => {
    const message = actual[i]?.message ?? "";
    assert.ok(message.includes(want.message), `"${message}" should contain "${want.message}"`);
  });
}

const at = (file: string, line: number, path: string, message: string): Expected => ({
  file,
  line,
  path,
  message,
});

const catalogueRows: Row[] = [
  {
    name: "a YAML syntax error is an error at its line, and the file is not checked further",
    catalogue: catalogueYaml({ ...EDGE, name: '"Edge A' }),
    errors: [at(CAT, 3, "", "Missing closing")],
  },
  {
    name: "a duplicate YAML key is an error at the second key",
    catalogue: insertAfter(CATALOGUE, "    tier: edge", "    tier: hub"),
    errors: [at(CAT, 9, "", "Map keys must be unique")],
  },
  {
    name: "an unknown key in a site is an error at the key's own line",
    catalogue: catalogueYaml({ ...EDGE, colour: "red" }, HUB),
    errors: [at(CAT, 11, "sites[0].colour", "unknown key")],
  },
  {
    name: "a public IPv4 that is not an address is an error at the field",
    catalogue: catalogueYaml({ ...EDGE, publicIPv4: "192.0.2" }, HUB),
    errors: [at(CAT, 11, "sites[0].publicIPv4", "expected an IPv4 address")],
  },
  {
    name: "a multicast public IPv4 is refused: a client cannot connect to it",
    catalogue: catalogueYaml({ ...EDGE, publicIPv4: "224.0.0.1" }, HUB),
    errors: [at(CAT, 11, "sites[0].publicIPv4", "not a unicast address")],
  },
  {
    name: "an IPv4-mapped public IPv6 is refused: the IPv4 goes in publicIPv4",
    catalogue: catalogueYaml({ ...EDGE, publicIPv6: '"::ffff:192.0.2.10"' }, HUB),
    errors: [at(CAT, 11, "sites[0].publicIPv6", "not a unicast address")],
  },
  {
    name: "an IPv4 address given as the public IPv6 is an error at the field",
    catalogue: catalogueYaml(EDGE, { ...HUB, publicIPv6: "192.0.2.20" }),
    errors: [at(CAT, 20, "sites[1].publicIPv6", "expected an IPv6 address")],
  },
  {
    name: "a second site with the same id is an error at the second id",
    catalogue: catalogueYaml(EDGE, { ...HUB, id: "edge-a" }),
    errors: [at(CAT, 11, "sites[1].id", 'duplicate site id "edge-a" (first at sites[0])')],
  },
  {
    name: "a site id with capitals or an underscore is an error at the id",
    catalogue: catalogueYaml({ ...EDGE, id: "Edge_A" }, HUB),
    errors: [at(CAT, 2, "sites[0].id", "a site id is 1-32 characters")],
  },
  {
    name: "a latitude above 90 is an error at the latitude",
    catalogue: catalogueYaml({ ...EDGE, latitude: "91" }, HUB),
    errors: [at(CAT, 6, "sites[0].latitude", "<=90")],
  },
  {
    name: "a longitude below -180 is an error at the longitude",
    catalogue: catalogueYaml({ ...EDGE, longitude: "-181" }, HUB),
    errors: [at(CAT, 7, "sites[0].longitude", ">=-180")],
  },
  {
    name: "a capacity of 0 is an error at the capacity",
    catalogue: catalogueYaml({ ...EDGE, capacity: "0" }, HUB),
    errors: [at(CAT, 9, "sites[0].capacity", ">=1")],
  },
  {
    name: "a fractional capacity is an error at the capacity",
    catalogue: catalogueYaml({ ...EDGE, capacity: "1.5" }, HUB),
    errors: [at(CAT, 9, "sites[0].capacity", "expected int")],
  },
  {
    name: "a country code that is not ISO 3166-1 (XX) is an error at the country",
    catalogue: catalogueYaml({ ...EDGE, country: "XX" }, HUB),
    errors: [at(CAT, 4, "sites[0].country", "not an ISO 3166-1 alpha-2 country code")],
  },
  {
    name: "a backend without a port is an error at that backend",
    catalogue: catalogueYaml({ ...EDGE, backends: '["10.0.0.1"]' }, HUB),
    errors: [at(CAT, 10, "sites[0].backends[0]", "expected host:port")],
  },
  {
    name: "a backend port above 65535 is an error at that backend",
    catalogue: catalogueYaml({ ...EDGE, backends: '["10.0.0.1:99999"]' }, HUB),
    errors: [at(CAT, 10, "sites[0].backends[0]", "port")],
  },
  {
    name: "a site with neither backends nor consul is an error at the site",
    catalogue: catalogueYaml({ ...EDGE, backends: undefined }, HUB),
    errors: [at(CAT, 2, "sites[0]", "a site needs backends or consul")],
  },
  {
    name: "a site with both backends and consul is an error at consul",
    catalogue: catalogueYaml({ ...EDGE, consul: "{ service: web, datacenter: paris }" }, HUB),
    errors: [at(CAT, 11, "sites[0].consul", "give backends or consul, not both")],
  },
  {
    name: "a backend listed by two sites is an error at the second listing",
    catalogue: catalogueYaml(EDGE, { ...HUB, backends: '["10.0.0.1:8080"]' }),
    errors: [
      at(
        CAT,
        19,
        "sites[1].backends[0]",
        'backend 10.0.0.1:8080 is listed already by site "edge-a"',
      ),
    ],
  },
  {
    name: "a catalogue with no hub is an error at the site list",
    catalogue: catalogueYaml(EDGE, { ...HUB, tier: "edge" }),
    errors: [at(CAT, 2, "sites", "no hub")],
  },
  {
    name: "a site's trafficDialPercent above 100 is an error at that flag",
    catalogue: catalogueYaml({ ...EDGE, flags: "{ trafficDialPercent: 101 }" }, HUB),
    errors: [at(CAT, 11, "sites[0].flags.trafficDialPercent", "<=100")],
  },
];

const SERVICES = `services:
  - name: web
    hosts: [app.example.net]
`;

/** A policy whose `defaults:` (line 1) holds these lines, from line 2 on. */
const withDefaults = (...lines: string[]) => `defaults:\n${lines.join("\n")}\n${SERVICES}`;

const policyRows: Row[] = [
  {
    name: "an unknown key in the defaults is an error at the key",
    policy: withDefaults("  stearing: nearest"),
    errors: [at(POL, 2, "defaults.stearing", "unknown key")],
  },
  {
    name: "a pin naming an unknown site is an error at that entry",
    policy: withDefaults(
      "  pins:",
      "    - clientCountries: [FR]",
      "      sites: [edge-a, nowhere]",
    ),
    errors: [at(POL, 4, "defaults.pins[0].sites[1]", 'unknown site "nowhere"')],
  },
  {
    name: "a weight for an unknown site is an error at that weight",
    policy: withDefaults("  weights: { edge-a: 1, nowhere: 1 }"),
    errors: [at(POL, 2, "defaults.weights.nowhere", 'unknown site "nowhere"')],
  },
  {
    name: "a traffic dial for an unknown site is an error at that dial",
    policy: withDefaults("  trafficDialPercent: { nowhere: 50 }"),
    errors: [at(POL, 2, "defaults.trafficDialPercent.nowhere", 'unknown site "nowhere"')],
  },
  {
    name: "draining an unknown site is an error at that entry",
    policy: withDefaults("  drain: [edge-a, nowhere]"),
    errors: [at(POL, 2, "defaults.drain[1]", 'unknown site "nowhere"')],
  },
  {
    name: "a hub order that names an edge site is an error at that entry",
    policy: withDefaults("  hubOrder: [hub-b, edge-a]"),
    errors: [at(POL, 2, "defaults.hubOrder[1]", 'site "edge-a" is not a hub')],
  },
  {
    name: "a hub order that names an unknown site is an error at that entry",
    policy: withDefaults("  hubOrder: [nowhere]"),
    errors: [at(POL, 2, "defaults.hubOrder[0]", 'unknown site "nowhere"')],
  },
  {
    name: "a residency rule allowing a jurisdiction no site has is an error at that entry",
    policy: withDefaults(
      "  residency:",
      "    - name: stay-home",
      "      clientCountries: [FR]",
      "      allowJurisdictions: [EU, MARS]",
    ),
    errors: [
      at(POL, 5, "defaults.residency[0].allowJurisdictions[1]", 'no site has jurisdiction "MARS"'),
    ],
  },
  {
    name: "a residency rule that matches no client is an error at the rule",
    policy: withDefaults("  residency:", "    - name: everyone", "      allowJurisdictions: [EU]"),
    errors: [at(POL, 3, "defaults.residency[0]", "matches no client")],
  },
  {
    name: "a pin that matches no client is an error at the pin",
    policy: withDefaults("  pins:", "    - sites: [edge-a]"),
    errors: [at(POL, 3, "defaults.pins[0]", "matches no client")],
  },
  {
    name: "a region code without its dash is an error at that code",
    policy: withDefaults("  pins:", "    - clientRegions: [TZ15]", "      sites: [edge-a]"),
    errors: [at(POL, 3, "defaults.pins[0].clientRegions[0]", "ISO 3166-2")],
  },
  {
    name: "a region code of a country that does not exist is an error at that code",
    policy: withDefaults("  pins:", "    - clientRegions: [XX-1]", "      sites: [edge-a]"),
    errors: [at(POL, 3, "defaults.pins[0].clientRegions[0]", "the region's country")],
  },
  {
    name: "a continent code that is not one of MaxMind's seven is an error at that code",
    policy: withDefaults("  pins:", "    - clientContinents: [EURO]", "      sites: [edge-a]"),
    errors: [at(POL, 3, "defaults.pins[0].clientContinents[0]", '"AF"')],
  },
  {
    name: "weighted steering with no positive weight is an error at the service's weights",
    policy: `${SERVICES}    steering: weighted\n    weights: { edge-a: 0 }\n`,
    errors: [at(POL, 5, "services[0].weights", "at least one site with a weight above 0")],
  },
  {
    name: "a second service with the same name is an error at its name",
    policy: `${SERVICES}  - name: web\n    hosts: [www.example.net]\n`,
    errors: [at(POL, 4, "services[1].name", 'duplicate service name "web" (first at services[0])')],
  },
  {
    name: "two services claiming the same host and path prefix is an error at the second host",
    policy: `${SERVICES}  - name: api\n    hosts: [api.example.net, app.example.net]\n    pathPrefix: /\n`,
    errors: [
      at(
        POL,
        5,
        "services[1].hosts[1]",
        'host app.example.net with path / is served already by "web"',
      ),
    ],
  },
  {
    name: "a host with capitals is an error at that host",
    policy: "services:\n  - name: web\n    hosts: [App.example.net]\n",
    errors: [at(POL, 3, "services[0].hosts[0]", "a lowercase host name")],
  },
  {
    name: "a host with a wildcard inside a label is an error at that host",
    policy: "services:\n  - name: web\n    hosts: [foo*.bar]\n",
    errors: [at(POL, 3, "services[0].hosts[0]", "a lowercase host name")],
  },
  {
    name: "a path prefix that does not start with / is an error at the prefix",
    policy: `${SERVICES}    pathPrefix: api\n`,
    errors: [at(POL, 4, "services[0].pathPrefix", '"/"')],
  },
  {
    name: "an overprovisioning factor below 1 is an error at the factor",
    policy: withDefaults("  overprovisioningFactor: 0.5"),
    errors: [at(POL, 2, "defaults.overprovisioningFactor", ">=1")],
  },
  {
    name: "a panic threshold above 100 percent is an error at the threshold",
    policy: withDefaults("  panicThresholdPercent: 101"),
    errors: [at(POL, 2, "defaults.panicThresholdPercent", "<=100")],
  },
  {
    name: "an error-ratio downAbove at or below degradedAbove is an error at downAbove",
    policy: withDefaults("  spill:", "    errorRatio: { degradedAbove: 0.5, downAbove: 0.5 }"),
    errors: [at(POL, 3, "defaults.spill.errorRatio.downAbove", "must be above degradedAbove")],
  },
  {
    name: "a latency downAboveRatio at or below degradedAboveRatio is an error at downAboveRatio",
    policy: withDefaults("  spill:", "    latency: { degradedAboveRatio: 3, downAboveRatio: 2 }"),
    errors: [
      at(POL, 3, "defaults.spill.latency.downAboveRatio", "must be above degradedAboveRatio"),
    ],
  },
  {
    name: "a service's saturation downAbove below degradedAbove is an error in that service",
    policy: `${SERVICES}    spill:\n      saturation: { degradedAbove: 0.9, downAbove: 0.5 }\n`,
    errors: [at(POL, 5, "services[0].spill.saturation.downAbove", "must be above degradedAbove")],
  },
];

const fileRows: Row[] = [
  {
    name: "a file that is neither a catalogue nor a policy is an error at its first line",
    files: [
      { file: CAT, text: CATALOGUE },
      { file: "notes.yaml", text: "title: hello\n" },
      { file: POL, text: POLICY },
    ],
    errors: [at("notes.yaml", 1, "", "neither a catalogue (sites:) nor a policy (services:)")],
  },
  {
    name: "a second catalogue is an error that names the first",
    files: [
      { file: CAT, text: CATALOGUE },
      { file: "more-sites.yaml", text: CATALOGUE },
    ],
    errors: [
      at("more-sites.yaml", 1, "", "a second catalogue: give one (catalogue.yaml came first)"),
    ],
  },
  {
    name: "a second policy is an error that names the first",
    files: [
      { file: POL, text: POLICY },
      { file: "policy-2.yaml", text: POLICY },
    ],
    errors: [at("policy-2.yaml", 1, "", "a second policy: give one (policy.yaml came first)")],
  },
];

for (const row of [...catalogueRows, ...policyRows, ...fileRows]) {
  test(row.name, () => {
    const files = row.files ?? [
      { file: CAT, text: row.catalogue ?? CATALOGUE },
      { file: POL, text: row.policy ?? POLICY },
    ];
    assertErrors(errorsOf(validateConfig(files)), row.errors);
  });
}

test("the minimal catalogue and policy of these tests are valid together", () => {
  const result = validateConfig([
    { file: CAT, text: CATALOGUE },
    { file: POL, text: POLICY },
  ]);
  assert.equal(result.ok, true, JSON.stringify(result));
});

test("public addresses of both families are kept as written", () => {
  const result = validateConfig([
    {
      file: CAT,
      text: catalogueYaml({ ...EDGE, publicIPv4: "192.0.2.10", publicIPv6: '"2001:db8::10"' }, HUB),
    },
    { file: POL, text: POLICY },
  ]);
  assert.ok(result.ok, JSON.stringify(result));
  const [edge, hub] = result.catalogue?.sites ?? [];
  assert.deepEqual([edge?.publicIPv4, edge?.publicIPv6], ["192.0.2.10", "2001:db8::10"]);
  assert.deepEqual([hub?.publicIPv4, hub?.publicIPv6], [undefined, undefined]);
});

test("an unknown key is located at the key itself, column included", () => {
  const [error] = errorsOf(
    validateConfig([{ file: CAT, text: catalogueYaml({ ...EDGE, colour: "red" }, HUB) }]),
  );
  assert.deepEqual(
    { line: error?.line, column: error?.column },
    { line: 11, column: 5 },
    "the key `colour` starts at column 5 of line 11",
  );
});

test("schema and cross-reference errors of both files are all reported, sorted by file and line", () => {
  const catalogue = catalogueYaml(
    EDGE,
    { ...HUB, backends: '["10.0.0.1:8080"]' },
    { ...HUB, id: "hub-c", latitude: "91", backends: '["10.0.0.3:8080"]' },
  );
  const policy = `services:
  - name: web
    hosts: [app.example.net]
  - name: web
    hosts: [www.example.net]
  - name: api
    hosts: [api.example.net]
    pathPrefix: api
`;
  // The policy comes first, and each file's schema error (found first) sits below its
  // cross-reference error (found second): the output is still by file, then line.
  const result = validateConfig([
    { file: POL, text: policy },
    { file: CAT, text: catalogue },
  ]);
  assertErrors(errorsOf(result), [
    at(CAT, 19, "sites[1].backends[0]", "listed already"),
    at(CAT, 24, "sites[2].latitude", "<=90"),
    at(POL, 4, "services[1].name", "duplicate service name"),
    at(POL, 8, "services[2].pathPrefix", '"/"'),
  ]);
});

test("a site with a bad latitude does not hide a pin that names an unknown site", () => {
  const result = validateConfig([
    { file: CAT, text: catalogueYaml({ ...EDGE, latitude: "91" }, HUB) },
    {
      file: POL,
      text: withDefaults(
        "  pins:",
        "    - clientCountries: [FR]",
        "      sites: [edge-a, nowhere]",
      ),
    },
  ]);
  // edge-a parsed but for its latitude: its id is known, and "nowhere" is no site's id.
  assertErrors(errorsOf(result), [
    at(CAT, 6, "sites[0].latitude", "<=90"),
    at(POL, 4, "defaults.pins[0].sites[1]", 'unknown site "nowhere"'),
  ]);
});

test("a policy alone is valid without the checks that need a catalogue", () => {
  const policy = withDefaults("  pins:", "    - clientCountries: [FR]", "      sites: [nowhere]");
  const result = validateConfig([{ file: POL, text: policy }]);
  assert.equal(result.ok, true, JSON.stringify(result));
});

/** validateConfig, with a throw turned into a plain test failure. */
function validateWithoutThrowing(files: readonly ConfigText[]): ConfigResult {
  try {
    return validateConfig(files);
  } catch (error) {
    assert.fail(`validateConfig threw instead of listing an error: ${String(error)}`);
  }
}

test("a YAML alias to an anchor that does not exist is an error, not a crash", () => {
  const text = "sites: *nowhere\n";
  const errors = errorsOf(validateWithoutThrowing([{ file: CAT, text }]));
  assert.equal(errors.length, 1, JSON.stringify(errors));
  assert.equal(errors[0]?.file, CAT);
  assert.equal(errors[0]?.line, 1);
});

test("a YAML alias bomb is an error, not a crash or a hang", () => {
  // 1,000 nodes from four lines, far beyond the parser's budget of 100 alias expansions.
  const text = `a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
sites: *c
`;
  const errors = errorsOf(validateWithoutThrowing([{ file: CAT, text }]));
  assert.ok(errors.length >= 1);
  assert.ok(errors.every((e) => e.file === CAT && e.line >= 1));
});

const REFERENCE = join(import.meta.dirname, "reference-world");
const referenceFiles = (): ConfigText[] =>
  ["catalogue.yaml", "policy.yaml"].map((name) => ({
    file: name,
    text: readFileSync(join(REFERENCE, name), "utf8"),
  }));

test("the reference world validates: 16 sites (3 hubs) and 3 services", () => {
  const result = validateConfig(referenceFiles());
  if (!result.ok) assert.fail(JSON.stringify(result.errors, null, 2));
  assert.equal(result.catalogue?.sites.length, 16);
  assert.deepEqual(
    result.catalogue?.sites.filter((s) => s.tier === "hub").map((s) => s.id),
    ["fra", "iad", "dxb"],
  );
  assert.deepEqual(
    result.policy?.services.map((s) => s.name),
    ["web", "api", "media"],
  );
});

test("a service's retry replaces the default's whole value; an unset retry stays absent", () => {
  const policy = `defaults:
  retry: { maxAttempts: 5, perTryTimeoutMs: 1000 }
services:
  - name: web
    hosts: [app.example.net]
  - name: api
    hosts: [api.example.net]
    retry: { maxAttempts: 2 }
`;
  const result = validateConfig([
    { file: CAT, text: CATALOGUE },
    { file: POL, text: policy },
  ]);
  if (!result.ok) assert.fail(JSON.stringify(result.errors, null, 2));
  const [web, api] = result.policy?.services ?? [];
  const schemaDefaults = {
    budgetPercent: 20,
    minConcurrent: 3,
    maxReplayableBodyBytes: 65_536,
  };
  assert.deepEqual(result.policy?.defaults.retry, {
    ...schemaDefaults,
    maxAttempts: 5,
    perTryTimeoutMs: 1000,
  });
  // Unset: absent, so the defaults' retry applies as a whole.
  assert.ok(web && !("retry" in web), "web sets no retry");
  assert.ok(web && !("steering" in web), "web sets no steering");
  // Set: the service's own value, its unset fields from the schema, not from defaults.retry.
  assert.deepEqual(api?.retry, { ...schemaDefaults, maxAttempts: 2, perTryTimeoutMs: 15_000 });
});

test("in the reference world, api's retry is its own and web's is left to the defaults", () => {
  const result = validateConfig(referenceFiles());
  if (!result.ok) assert.fail(JSON.stringify(result.errors, null, 2));
  const byName = new Map(result.policy?.services.map((s) => [s.name, s]));
  assert.equal(byName.get("web")?.retry, undefined);
  assert.deepEqual(
    {
      maxAttempts: byName.get("api")?.retry?.maxAttempts,
      ms: byName.get("api")?.retry?.perTryTimeoutMs,
    },
    { maxAttempts: 3, ms: 5000 },
  );
});
