// The data plane's batches to its control plane: tries folded per site into what health
// counts (served times, failures that count), breaker changes at once, bounded, silent when idle.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Observation } from "../forward/observation.ts";
import { observationBatcher } from "./observation-batcher.ts";

function rig(maxBatch = 100, load: Record<string, number> = {}) {
  const sent: { batch: readonly Observation[]; load: Readonly<Record<string, number>> }[] = [];
  const batcher = observationBatcher({
    flushMs: 60_000,
    maxBatch,
    load: () => load,
    send: (batch, l) => sent.push({ batch, load: l }),
  });
  return { batcher, sent };
}

const served = (site: string, elapsedMs: number): Observation => ({
  kind: "try",
  site,
  backend: `${site}/10.0.0.1:80`,
  outcome: undefined,
  elapsedMs,
  failure: "none",
});
const failed = (site: string, failure: "site" | "backend" | "none"): Observation => ({
  kind: "try",
  site,
  backend: `${site}/10.0.0.1:80`,
  outcome: { kind: "connect-failed" },
  elapsedMs: 1,
  failure,
});

test("tries are folded per site: served times in order, failures that count, the rest dropped", (t) => {
  const { batcher, sent } = rig();
  t.after(() => batcher.stop());
  for (const o of [
    served("dar", 12),
    failed("dar", "site"),
    served("znz", 3),
    served("dar", 7),
    failed("dar", "none"), // a client hang-up: health counts nothing
    failed("znz", "backend"),
  ])
    batcher.push(o);
  batcher.flush();
  assert.deepEqual(
    sent.map((s) => s.batch),
    [
      [
        { kind: "tries", site: "dar", servedMs: [12, 7], failed: 1 },
        { kind: "tries", site: "znz", servedMs: [3], failed: 1 },
      ],
    ],
  );
});

test("a breaker change goes out at once, after the tries tallied before it", (t) => {
  const { batcher, sent } = rig();
  t.after(() => batcher.stop());
  batcher.push(served("dar", 5));
  batcher.push({ kind: "breaker", scope: "site", id: "dar", state: "open" });
  assert.deepEqual(
    sent.map((s) => s.batch.map((o) => o.kind)),
    [["tries", "breaker"]],
  );
});

test("a full batch is sent early: a burst never holds more than maxBatch tries", (t) => {
  const { batcher, sent } = rig(10);
  t.after(() => batcher.stop());
  for (let i = 0; i < 25; i++) batcher.push(served("dar", i));
  const counts = sent.map((s) =>
    s.batch.reduce((n, o) => n + (o.kind === "tries" ? o.servedMs.length : 0), 0),
  );
  assert.deepEqual(counts, [10, 10]);
  batcher.flush();
  assert.equal(sent.length, 3);
});

test("an idle data plane sends nothing; a changed load is sent on its own", (t) => {
  const load: Record<string, number> = { dar: 0 };
  const { batcher, sent } = rig(100, load);
  t.after(() => batcher.stop());
  batcher.flush();
  batcher.flush();
  assert.equal(sent.length, 1, "the first load, once");
  load.dar = 3;
  batcher.flush();
  assert.deepEqual(sent.at(-1), { batch: [], load: { dar: 3 } });
  batcher.push(failed("dar", "none"));
  batcher.flush();
  assert.equal(sent.length, 2, "a try health does not count is no reason to send");
});
