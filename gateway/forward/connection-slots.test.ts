// Connection slots with real timers: taken while free, handed to waiters first come first
// served, and a wait bounded by the queue timeout, the try's own timeout and the client.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { GatewayError } from "../errors/error-catalogue.ts";
import { ClientGone } from "./client-gone.ts";
import { ConnectionSlots } from "./connection-slots.ts";

test("slots are taken at once up to the limit, then not", () => {
  const slots = new ConnectionSlots(2, 1_000);
  assert.deepEqual([slots.tryTake(), slots.tryTake(), slots.tryTake()], [true, true, false]);
  assert.equal(slots.taken, 2);
});

test("a released slot goes to the first waiter, not to a newcomer", async () => {
  const slots = new ConnectionSlots(1, 5_000);
  slots.tryTake();
  const order: string[] = [];
  const first = slots.wait(5_000, new ClientGone()).then(() => order.push("first"));
  const second = slots.wait(5_000, new ClientGone()).then(() => order.push("second"));
  slots.release();
  assert.equal(slots.tryTake(), false, "the slot was handed over, not freed");
  await first;
  slots.release();
  await second;
  assert.deepEqual(order, ["first", "second"]);
  slots.release();
  assert.equal(slots.taken, 0);
});

test("a wait ends with upstream_saturated after the queue timeout and leaves the line", async () => {
  const slots = new ConnectionSlots(1, 50);
  slots.tryTake();
  await assert.rejects(slots.wait(10_000, new ClientGone()), (error: GatewayError) => {
    assert.equal(error.code, "upstream_saturated");
    return true;
  });
  assert.equal(slots.waiting, 0);
  slots.release();
  assert.equal(slots.tryTake(), true, "the slot freed, nobody waiting");
});

test("a wait is no longer than the try's own timeout when that is shorter", async () => {
  const slots = new ConnectionSlots(1, 60_000);
  slots.tryTake();
  const started = performance.now();
  await assert.rejects(slots.wait(50, new ClientGone()));
  assert.ok(performance.now() - started < 30_000, "bounded by the try, not the queue timeout");
});

test("a client that leaves while waiting leaves the line at once", async () => {
  const slots = new ConnectionSlots(1, 60_000);
  slots.tryTake();
  const gone = new ClientGone();
  const waiting = slots.wait(60_000, gone);
  gone.leave(new Error("client left"));
  await assert.rejects(waiting, /client left/);
  assert.equal(slots.waiting, 0);
});
