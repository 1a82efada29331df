import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type BackendState,
  HAPROXY_RISE_FALL,
  NEW_BACKEND,
  observeBackend,
} from "./backend-state.ts";

function run(results: readonly boolean[], start: BackendState = NEW_BACKEND): boolean[] {
  const ups: boolean[] = [];
  let state = start;
  for (const ok of results) {
    state = observeBackend(state, ok, HAPROXY_RISE_FALL);
    ups.push(state.up);
  }
  return ups;
}

test("a new backend starts up", () => {
  assert.equal(NEW_BACKEND.up, true);
});

test("three failures in a row take a backend down (fall 3)", () => {
  assert.deepEqual(run([false, false, false]), [true, true, false]);
});

test("two successes in a row bring it back (rise 2)", () => {
  assert.deepEqual(run([false, false, false, true, true]), [true, true, false, false, true]);
});

test("a flapping backend (fail, ok, fail, ok …) never goes down", () => {
  assert.ok(run([false, true, false, true, false, true, false]).every((up) => up));
});

test("a flapping down backend never comes back", () => {
  const down = { up: false, streak: 0 };
  assert.ok(run([true, false, true, false, true, false], down).every((up) => !up));
});

test("a success resets a run of failures", () => {
  assert.deepEqual(run([false, false, true, false, false]), [true, true, true, true, true]);
});
