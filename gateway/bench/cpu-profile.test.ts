// Profile categories by where a function is defined, and self/inclusive time from samples.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { categoryOf, summariseProfiles } from "./cpu-profile.ts";

const categoryCases: readonly [string, string, string][] = [
  ["file:///app/node_modules/undici/lib/dispatcher/client-h1.js", "writeH1", "undici"],
  ["file:///app/node_modules/opossum/lib/circuit.js", "call", "opossum"],
  ["file:///app/node_modules/prom-client/lib/counter.js", "inc", "prom-client"],
  ["file:///app/node_modules/sonic-boom/index.js", "write", "pino"],
  ["file:///app/node_modules/mmdb-lib/lib/index.js", "get", "GeoIP (maxmind, mmdb-lib)"],
  ["file:///app/node_modules/zod/v4/core.js", "parse", "package zod"],
  ["node:_http_outgoing", "_storeHeader", "node: http"],
  ["node:internal/streams/pipeline", "pipelineImpl", "node: streams"],
  ["file:///app/gateway/forward/proxy.ts", "proxy", "ours"],
  ["file:///app/routing-tables/decide.ts", "decide", "ours"],
  ["", "(garbage collector)", "GC (main thread)"],
  ["", "writev", "native (C++ bindings)"],
];

for (const [url, name, category] of categoryCases) {
  test(`${name || url} counts as ${category}`, () => assert.equal(categoryOf(url, name), category));
}

test("self time goes to the sampled function, inclusive time to each of our callers once", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "cpu-profile-test-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
  const profile = {
    nodes: [
      { id: 1, callFrame: frame("(root)", ""), children: [2, 5] },
      { id: 2, callFrame: frame("handle", "file:///x/gateway/a.ts"), children: [3] },
      { id: 3, callFrame: frame("handle", "file:///x/gateway/a.ts"), children: [4] },
      { id: 4, callFrame: frame("writev", ""), children: [] },
      { id: 5, callFrame: frame("(idle)", ""), children: [] },
    ],
    samples: [4, 4, 3, 5],
    timeDeltas: [0, 1_000, 1_000, 3_000, 500],
  };
  const file = join(dir, "one.cpuprofile");
  writeFileSync(file, JSON.stringify(profile));
  const summary = summariseProfiles([file]);
  // A sample lasts until the next one: writev 1 + 1 ms, handle 3 ms, idle 0.5 ms.
  assert.equal(summary.busyMs, 5);
  assert.equal(summary.idleMs, 0.5);
  assert.deepEqual(
    summary.functions.map((f) => [f.name, f.ms]),
    [
      ["handle /x/gateway/a.ts:1", 3],
      ["writev", 2],
    ],
  );
  // The recursive `handle` counts once per sample: 5 ms, not 7.
  assert.deepEqual(
    summary.ours.map((f) => [f.name, f.ms]),
    [["handle /x/gateway/a.ts:1", 5]],
  );
});
