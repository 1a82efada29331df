import assert from "node:assert/strict";
import { test } from "node:test";
import type { BreakerState } from "../forward/breaker.ts";
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
