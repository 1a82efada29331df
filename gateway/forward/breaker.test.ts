// The adapter over real opossum breakers: what counts as a failure (errorFilter), and the
// ejection cap (mayOpen). No I/O: attempts are promises the test settles.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Breaker, type BreakerSettings, type BreakerState } from "./breaker.ts";

const SETTINGS: BreakerSettings = {
  volumeThreshold: 2,
  errorThresholdPercentage: 50,
  resetTimeoutMs: 60_000,
  rollingWindowMs: 10_000,
  capacity: 100,
};

function breaker(settings: Partial<BreakerSettings> = {}, mayOpen?: () => boolean) {
  const states: BreakerState[] = [];
  const b = new Breaker<string>("test", { ...SETTINGS, ...settings }, (s) => states.push(s), {
    ...(mayOpen && { mayOpen }),
  });
  return { b, states };
}

const fail = () => Promise.reject(new Error("boom"));

test("failures the caller counts open the breaker", async (t) => {
  const { b, states } = breaker();
  t.after(() => b.shutdown());
  for (let i = 0; i < 3; i++) await b.run(fail).catch(() => {});
  assert.equal(b.state, "open");
  assert.deepEqual(states, ["open"]);
});

test("failures the caller does not count (a client hang-up) leave it closed", async (t) => {
  const { b } = breaker();
  t.after(() => b.shutdown());
  for (let i = 0; i < 5; i++)
    await assert.rejects(
      b.run(fail, () => false),
      /boom/,
      "the caller still gets the rejection",
    );
  assert.equal(b.state, "closed");
});

test("requests refused at the breaker's capacity do not open it: load is not a fault", async (t) => {
  // Regression (issue 11): each ESEMLOCKED refusal counted as a failure.
  const { b } = breaker({ capacity: 1 });
  t.after(() => b.shutdown());
  let release: (value: string) => void = () => {};
  const held = b.run(() => new Promise<string>((resolve) => (release = resolve)));
  for (let i = 0; i < 5; i++) await assert.rejects(b.run(fail), { code: "ESEMLOCKED" });
  release("done");
  await held;
  assert.equal(b.state, "closed");
});

test("an inner breaker's refusals do not open the outer one", async (t) => {
  const inner = breaker({ volumeThreshold: 1 });
  const outer = breaker();
  t.after(() => {
    inner.b.shutdown();
    outer.b.shutdown();
  });
  await inner.b.run(fail).catch(() => {});
  assert.equal(inner.b.state, "open");
  for (let i = 0; i < 5; i++)
    await assert.rejects(
      outer.b.run(() => inner.b.run(fail)),
      { code: "EOPENBREAKER" },
    );
  assert.equal(outer.b.state, "closed");
});

test("past the ejection cap (mayOpen false) failures are not counted and it stays closed", async (t) => {
  let room = false;
  const { b } = breaker({}, () => room);
  t.after(() => b.shutdown());
  for (let i = 0; i < 5; i++) await b.run(fail).catch(() => {});
  assert.equal(b.state, "closed");
  room = true;
  for (let i = 0; i < 8; i++) await b.run(fail).catch(() => {});
  assert.equal(b.state, "open", "once there is room, counted failures open it again");
});
