import assert from "node:assert/strict";
import { test } from "node:test";
import type { BreakerState } from "../forward/breaker.ts";
import type { TryOutcome } from "../forward/retry-policy.ts";
import type { FailureScope } from "../forward/try-failure.ts";
import { eventually, startTestWorld } from "../testing/fixtures.ts";
import { translate } from "./passive-health.ts";

test("only an open breaker takes a site or backend out; half-open waits for its trial, not counted broken", () => {
  // Regression (anycast lab): a backend breaker left half-open kept its site degraded, so the
  // site stayed de-preferred, got no traffic, and the trial that would close it never came.
  const table: [BreakerState, boolean][] = [
    ["closed", false],
    ["half-open", false],
    ["open", true],
  ];
  for (const [state, open] of table) {
    assert.deepEqual(translate({ kind: "breaker", scope: "site", id: "dar", state }), {
      kind: "breaker",
      site: "dar",
      open,
    });
    assert.deepEqual(
      translate({ kind: "breaker", scope: "backend", id: "dar/10.0.0.1:80", state }),
      {
        kind: "breaker",
        site: "dar",
        backend: "10.0.0.1:80",
        open,
      },
    );
  }
});

const tries: readonly [string, TryOutcome | undefined, FailureScope, unknown][] = [
  [
    "a served try brings its time to the response head",
    undefined,
    "none",
    { kind: "outcome", site: "dar", ok: true, latencyMs: 42 },
  ],
  [
    "a refused connect counts as an error, without its time",
    { kind: "connect-failed" },
    "site",
    { kind: "outcome", site: "dar", ok: false },
  ],
  [
    "a counted upstream 503 counts as an error",
    { kind: "status", status: 503 },
    "backend",
    { kind: "outcome", site: "dar", ok: false },
  ],
  [
    "an upstream 503 the policy does not count says nothing",
    { kind: "status", status: 503 },
    "none",
    undefined,
  ],
  ["a client hang-up says nothing", { kind: "client-gone" }, "none", undefined],
  [
    "a breaker's refusal says nothing (saturation has its own signal)",
    { kind: "circuit-open" },
    "none",
    undefined,
  ],
];

for (const [name, outcome, failure, expected] of tries) {
  test(name, () => {
    const observation = { kind: "try", site: "dar", backend: "dar/10.0.0.1:80" } as const;
    assert.deepEqual(translate({ ...observation, outcome, elapsedMs: 42, failure }), expected);
  });
}

test("a site whose answers come slower than the policy's p99 objective is degraded by traffic alone", async (t) => {
  const w = await startTestWorld({
    sites: [
      { id: "slow", backends: 1 },
      { id: "hub", tier: "hub", longitude: 10, backends: 1 },
    ],
    policy: {
      defaults: { spill: { latency: { sloP99Ms: 5 } } },
      services: [{ name: "web", hosts: ["*"] }],
    },
    boot: { health: { passive: true, evaluateIntervalMs: 20 } },
  });
  t.after(() => w.close());
  for (const backend of w.backends.get("slow") ?? [])
    backend.behave((_req, res) => setTimeout(() => res.end("late"), 40));
  const gateway = w.gateway("slow");
  const slow = () => gateway.state.snapshot.sites.find((s) => s.id === "slow");
  // 40 ms answers against a 5 ms objective: p99/SLO = 8, past downAboveRatio (4).
  for (let i = 0; i < 25 && slow()?.state === "healthy"; i++) await fetch(gateway.url);
  await eventually(() => slow()?.state !== "healthy", 5_000, "the slow site to leave healthy");
});
