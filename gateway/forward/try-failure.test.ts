import assert from "node:assert/strict";
import { test } from "node:test";
import { FailureWitnesses } from "../../health/failure-witnesses.ts";
import type { TryOutcome } from "./retry-policy.ts";
import {
  clientNetwork,
  countsStatus,
  type FailureScope,
  failureScope,
  pathKey,
  type TryOrigin,
} from "./try-failure.ts";

const scopes: readonly [string, TryOutcome, boolean, FailureScope][] = [
  ["a refused connect says the site cannot be reached", { kind: "connect-failed" }, false, "site"],
  [
    "a reset before the response counts against the backend",
    { kind: "reset-before-response" },
    false,
    "backend",
  ],
  [
    "a timeout before the response counts against the backend",
    { kind: "timeout-before-response" },
    false,
    "backend",
  ],
  [
    "an upstream 503 the policy does not count says nothing",
    { kind: "status", status: 503 },
    false,
    "none",
  ],
  [
    "an upstream 503 counted and corroborated counts against the backend only",
    { kind: "status", status: 503 },
    true,
    "backend",
  ],
  ["a breaker's refusal says nothing", { kind: "circuit-open" }, false, "none"],
  ["a client hang-up says nothing", { kind: "client-gone" }, false, "none"],
];

for (const [name, outcome, counted, expected] of scopes) {
  test(`failureScope: ${name}`, () => {
    assert.equal(failureScope(outcome, counted), expected);
  });
}

const policy = (countStatuses: "none" | "gateway"): TryOrigin["policy"] => ({
  countStatuses,
  minDistinctClients: 3,
  minDistinctPaths: 3,
});

test("countsStatus: by default no upstream status counts, however many clients see it", () => {
  const witnesses = new FailureWitnesses();
  for (let i = 0; i < 10; i++) {
    const origin = { client: `c${i}`, path: `/p${i}`, policy: policy("none") };
    assert.equal(countsStatus(503, origin, witnesses, i), false);
  }
});

test("countsStatus: one client on many paths never makes a 503 count", () => {
  const witnesses = new FailureWitnesses();
  for (let i = 0; i < 50; i++)
    assert.equal(
      countsStatus(503, { client: "c", path: `/p${i}`, policy: policy("gateway") }, witnesses, i),
      false,
    );
});

test("countsStatus: many clients on one path never make a 503 count", () => {
  const witnesses = new FailureWitnesses();
  for (let i = 0; i < 50; i++)
    assert.equal(
      countsStatus(503, { client: `c${i}`, path: "/p", policy: policy("gateway") }, witnesses, i),
      false,
    );
});

test("countsStatus: 502/503/504 from enough clients on enough paths count; a 500 never does", () => {
  const witnesses = new FailureWitnesses();
  const seen = [0, 1, 2].map((i) =>
    countsStatus(503, { client: `c${i}`, path: `/p${i}`, policy: policy("gateway") }, witnesses, i),
  );
  assert.deepEqual(seen, [false, false, true]);
  const origin = { client: "c0", path: "/p0", policy: policy("gateway") };
  assert.equal(countsStatus(504, origin, witnesses, 3), true);
  assert.equal(countsStatus(500, origin, witnesses, 3), false);
});

test("countsStatus: without an origin (a caller that knows none) nothing counts", () => {
  assert.equal(countsStatus(503, undefined, new FailureWitnesses(), 0), false);
});

const networks: readonly [string, string, string][] = [
  ["two IPv4 addresses of one /24 are one client", "198.51.100.7", "198.51.100.200"],
  ["two IPv6 addresses of one /64 are one client", "2001:db8:1:2::1", "2001:db8:1:2:ffff::9"],
];
for (const [name, a, b] of networks) {
  test(`clientNetwork: ${name}`, () => assert.equal(clientNetwork(a), clientNetwork(b)));
}

test("clientNetwork: neighbouring /24s and /64s are different clients", () => {
  assert.notEqual(clientNetwork("198.51.100.7"), clientNetwork("198.51.101.7"));
  assert.notEqual(clientNetwork("2001:db8:1:2::1"), clientNetwork("2001:db8:1:3::1"));
});

test("pathKey leaves the query out and bounds the length", () => {
  assert.equal(pathKey("/a/b?x=1&y=2"), "/a/b");
  assert.equal(pathKey(`/${"x".repeat(10_000)}`).length, 256);
});
