// nearestSite over a few cities: the nearest wins, ties go to the earlier, none is undefined.
import assert from "node:assert/strict";
import { test } from "node:test";
import { nearestSite } from "./geo.ts";

const london = { id: "lon", latitude: 51.5074, longitude: -0.1278 };
const paris = { id: "par", latitude: 48.8566, longitude: 2.3522 };
const nairobi = { id: "nbo", latitude: -1.2921, longitude: 36.8219 };

test("nearestSite picks the candidate nearest by great-circle distance", () => {
  const brussels = { latitude: 50.8503, longitude: 4.3517 };
  assert.equal(nearestSite([nairobi, london, paris], brussels)?.id, "par");
});

test("nearestSite breaks a tie in favour of the earlier candidate", () => {
  const twin = { ...london, id: "lon-2" };
  assert.equal(nearestSite([london, twin], paris)?.id, "lon");
  assert.equal(nearestSite([twin, london], paris)?.id, "lon-2");
});

test("nearestSite of no candidates is undefined", () => {
  assert.equal(nearestSite([], london), undefined);
});
