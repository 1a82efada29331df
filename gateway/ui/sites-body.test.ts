import assert from "node:assert/strict";
import { test } from "node:test";
import { BODY_LIMITS, readSitesBody, type SitesBody } from "./sites-body.ts";

function body(value: unknown): SitesBody {
  const read = readSitesBody(value);
  assert.ok(read.ok, "readable");
  return read.body;
}

test("a field of the wrong type is dropped and the rest of the site kept", () => {
  const site = body({
    sites: [{ id: "lhr", state: "degraded", health: "0.5", rttMs: 4.2, breaker: 3 }],
  }).sites[0];
  assert.deepEqual(
    [site?.id, site?.state, site?.health, site?.rttMs, site?.breaker],
    ["lhr", "degraded", undefined, 4.2, undefined],
  );
});

test("a site whose id is not a site id is left out; the others stay", () => {
  const ids = body({
    sites: [{ id: "<script>" }, { id: "lhr" }, "text", null, { id: 5 }],
  }).sites.map((s) => s.id);
  assert.deepEqual(ids, ["lhr"]);
});

test("numbers out of their range (health above 1, NaN, negative RTT) are dropped", () => {
  const site = body({ sites: [{ id: "lhr", health: 1.5, dial: -1, rttMs: -3, capacity: null }] })
    .sites[0];
  assert.deepEqual(
    [site?.health, site?.dial, site?.rttMs, site?.capacity],
    [undefined, undefined, undefined, undefined],
  );
});

test("every list is cut at its bound and long text at its length", () => {
  const backends = Array.from({ length: 500 }, (_, i) => ({ address: `10.0.0.1:${i}` }));
  const sites = Array.from({ length: 2_000 }, (_, i) => ({
    id: `s${i}`,
    name: "n".repeat(10_000),
    backends,
  }));
  const read = body({ sites });
  assert.equal(read.sites.length, BODY_LIMITS.sites);
  assert.equal(read.sites[0]?.backends.length, BODY_LIMITS.backendsPerSite);
  assert.equal(read.sites[0]?.name?.length, BODY_LIMITS.textChars);
});

test("shares keep only numbers; override records keep only what they say of known sites", () => {
  const read = body({
    sites: [{ id: "lhr", shareFromHere: { web: 0.25, api: "all", media: null } }],
    opsOverrides: { lhr: [{ who: "ops", flags: { draining: "yes" } }], "not a site": [{}] },
  });
  assert.deepEqual(read.sites[0]?.shareFromHere, { web: 0.25 });
  // As JSON, where fields read as undefined are gone.
  assert.deepEqual(JSON.parse(JSON.stringify(read.opsOverrides)), {
    lhr: [{ who: "ops", flags: {} }],
  });
});

test("an answer without a list of sites is refused, whatever else it has", () => {
  for (const value of [null, 7, "sites", {}, { sites: {} }, { sites: "[]" }])
    assert.deepEqual(readSitesBody(value), {
      ok: false,
      error: "not a /sites answer (no list of sites)",
    });
});
