import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { MixRow } from "../../routing-tables/simulate.ts";
import { type RowContext, toMixRow } from "./mix-row.ts";

const context: RowContext = {
  locate: (ip) =>
    ip === "198.51.100.161"
      ? { country: "TZ", region: "TZ-15", continent: "AF", latitude: -6.2, longitude: 39.2 }
      : {},
  defaultHost: "app.example.net",
  siteIds: new Set(["znz", "fra"]),
};

const row = (fields: Record<string, unknown>) => toMixRow((f) => fields[f], context);

describe("a mix row from its fields", () => {
  const accepted: [string, Record<string, unknown>, Partial<MixRow>][] = [
    [
      "an ip is located and grouped by its region",
      { ip: "198.51.100.161" },
      { group: "TZ-15", rps: 1, host: "app.example.net", path: "/" },
    ],
    [
      "explicit fields win over GeoIP",
      { ip: "198.51.100.161", region: "TZ-02" },
      { group: "TZ-02" },
    ],
    [
      "CSV text numbers are read",
      { country: "DE", latitude: "50.1", longitude: "8.7", rps: "2.5" },
      { group: "DE", rps: 2.5 },
    ],
    ["a weight is a rate too", { country: "DE", weight: 3 }, { rps: 3 }],
    [
      "a label names the group",
      { country: "DE", label: "Frankfurt office" },
      { group: "Frankfurt office" },
    ],
    ["a row with nothing is of unknown location", {}, { group: "unknown location" }],
    ["a known ingress is kept", { country: "DE", ingress: "fra" }, { ingress: "fra" }],
  ];
  for (const [name, fields, expected] of accepted) {
    test(name, () => {
      const result = row(fields);
      assert.equal(typeof result, "object", String(result));
      for (const [key, value] of Object.entries(expected))
        assert.deepEqual((result as unknown as Record<string, unknown>)[key], value, key);
    });
  }

  const refused: [string, Record<string, unknown>, RegExp][] = [
    ["text that is not an IP", { ip: "nope" }, /^ip: not an IP address/],
    ["a country that is not ISO 3166-1", { country: "XX" }, /^country/],
    ["a region of the wrong shape", { region: "TZ15" }, /^region/],
    ["a latitude out of range", { latitude: 91, longitude: 0 }, /^latitude/],
    ["a latitude without a longitude", { latitude: 1 }, /give both/],
    ["a negative rate", { rps: -1 }, /^rps/],
    ["both rps and weight", { rps: 1, weight: 1 }, /give one/],
    ["a path not starting with /", { path: "x" }, /^path/],
    ["an unknown ingress", { ingress: "nowhere" }, /^ingress: no site/],
    ["a host over 255 characters", { host: "h".repeat(256) }, /^host/],
    ["a number where text belongs", { host: 5 }, /^host: expected text/],
  ];
  for (const [name, fields, expected] of refused)
    test(`refused: ${name}`, () => assert.match(String(row(fields)), expected));
});
