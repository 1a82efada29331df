import assert from "node:assert/strict";
import { test } from "node:test";
import { FailureWitnesses, MAX_WITNESSES, WITNESS_WINDOW_MS } from "./failure-witnesses.ts";

test("three distinct clients on three distinct paths corroborate; fewer of either do not", () => {
  const w = new FailureWitnesses();
  w.record("c1", "/a", 0);
  w.record("c2", "/a", 0);
  w.record("c3", "/b", 0);
  assert.equal(w.corroborated(3, 3, 0), false, "three clients, two paths");
  w.record("c3", "/c", 0);
  assert.equal(w.corroborated(3, 3, 0), true);
});

test("witnesses older than the window no longer count", () => {
  const w = new FailureWitnesses();
  for (const i of [1, 2, 3]) w.record(`c${i}`, `/p${i}`, 0);
  assert.equal(w.corroborated(3, 3, WITNESS_WINDOW_MS), true);
  assert.equal(w.corroborated(3, 3, WITNESS_WINDOW_MS + 1), false);
});

test("at most MAX_WITNESSES of each kind are remembered, the latest ones", () => {
  const w = new FailureWitnesses();
  for (let i = 0; i < 10_000; i++) w.record(`c${i}`, `/p${i}`, i);
  assert.equal(w.corroborated(MAX_WITNESSES, MAX_WITNESSES, 10_000), true);
  assert.equal(w.corroborated(MAX_WITNESSES + 1, 1, 10_000), false);
});

test("one client seen again is still one witness", () => {
  const w = new FailureWitnesses();
  for (let i = 0; i < 100; i++) w.record("c", `/p${i}`, i);
  assert.equal(w.corroborated(2, 1, 100), false);
});
