import assert from "node:assert/strict";
import { test } from "node:test";
import { runOpenModel } from "./open-model.ts";

/** A clock that moves only when the driver waits. */
function fakeTime() {
  let nowMs = 0;
  return {
    now: () => nowMs,
    wait: async (ms: number) => {
      nowMs += ms;
    },
  };
}

test("iterations start at their scheduled offsets, not when the previous one ends", async () => {
  const time = fakeTime();
  const starts: [number, number, number][] = [];
  const outcome = await runOpenModel({
    offsetsMs: [0, 100, 200, 300],
    maxInFlight: 10,
    ...time,
    iterate: async (index, intendedMs) => {
      starts.push([index, intendedMs, time.now()]);
      await new Promise((resolve) => setImmediate(resolve)); // still running when the next is due
    },
  });
  assert.deepEqual(starts, [
    [0, 0, 0],
    [1, 100, 100],
    [2, 200, 200],
    [3, 300, 300],
  ]);
  assert.deepEqual(outcome, { started: 4, dropped: 0 });
});

test("an iteration due while every slot is busy is dropped and counted", async () => {
  const time = fakeTime();
  const release: (() => void)[] = [];
  const run = runOpenModel({
    offsetsMs: [0, 10, 20, 30],
    maxInFlight: 2,
    ...time,
    iterate: () => new Promise<void>((resolve) => release.push(resolve)),
  });
  // The driver schedules all four before any finishes: two run, two are dropped.
  await new Promise((resolve) => setImmediate(resolve));
  for (const done of release) done();
  assert.deepEqual(await run, { started: 2, dropped: 2 });
});

test("an iteration that throws does not stop the others and is reported at the end", async () => {
  const time = fakeTime();
  const ran: number[] = [];
  await assert.rejects(
    runOpenModel({
      offsetsMs: [0, 1, 2],
      maxInFlight: 5,
      ...time,
      iterate: async (index) => {
        ran.push(index);
        if (index === 1) throw new Error("boom");
      },
    }),
    (error: AggregateError) => error.errors.length === 1,
  );
  assert.deepEqual(ran, [0, 1, 2]);
});

test("an aborted run starts nothing more", async () => {
  const time = fakeTime();
  const controller = new AbortController();
  const outcome = await runOpenModel({
    offsetsMs: [0, 1, 2, 3],
    maxInFlight: 5,
    ...time,
    signal: controller.signal,
    iterate: async (index) => {
      if (index === 1) controller.abort();
    },
  });
  assert.equal(outcome.started, 2);
});
