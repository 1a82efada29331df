import assert from "node:assert/strict";
import { test } from "node:test";
import { ClientGone } from "./client-gone.ts";

test("the watcher hears the client leave, once, with the reason", () => {
  const gone = new ClientGone();
  const heard: string[] = [];
  gone.watch((reason) => heard.push(reason.message));
  gone.leave(new Error("reset"));
  gone.leave(new Error("again"));
  assert.deepEqual(heard, ["reset"]);
  assert.equal(gone.gone, true);
  assert.equal(gone.reason?.message, "reset");
});

test("a watcher set after the client left is called at once", () => {
  const gone = new ClientGone();
  gone.leave();
  let called = 0;
  gone.watch(() => {
    called += 1;
  });
  assert.equal(called, 1);
});

test("an unwatched watcher is not called; a newer watcher replaces an older one", () => {
  const gone = new ClientGone();
  const heard: string[] = [];
  const first = () => heard.push("first");
  const second = () => heard.push("second");
  gone.watch(first);
  gone.watch(second);
  gone.unwatch(first); // no longer the watcher: changes nothing
  gone.leave();
  assert.deepEqual(heard, ["second"]);
  const third = new ClientGone();
  third.watch(first);
  third.unwatch(first);
  third.leave();
  assert.deepEqual(heard, ["second"]);
});
