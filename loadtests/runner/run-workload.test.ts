// I/O: the demo world as a child process on free ports (as `npm run loadtest` starts it),
// closed with t.after. The smoke workload is bounded (5 s at 10 iterations/s).
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { test } from "node:test";
import { CLIENTS } from "../config/clients.ts";
import { WORKLOADS } from "../config/workloads.ts";
import { byTag, thresholdOutcomes } from "../summary/format-summary.ts";
import { startDemoTarget } from "./demo-target.ts";
import { runWorkload } from "./run-workload.ts";
import type { Sample } from "./sample.ts";

// Durations are the machine's, not the gateway's, in a test (a shared 2-core CI runner under
// the rest of the suite can take a p99 past any threshold): the latency thresholds are
// evaluated and reported, but only the others — errors, checks, sessions — decide the test.
// `npm run loadtest` holds the latency ones.
const isLatency = (metric: string) => metric.includes("duration");

test("the smoke workload passes every non-latency threshold against the demo world, from every region", async (t) => {
  const target = await startDemoTarget();
  t.after(() => target.close());
  const samples: Sample[] = [];
  const result = await runWorkload({
    workload: WORKLOADS.smoke,
    baseUrl: target.baseUrl,
    adminUrl: target.adminUrl,
    onSample: (s) => samples.push(s),
  });
  const outcomes = thresholdOutcomes(result.summary);
  assert.ok(
    outcomes.some((o) => isLatency(o.metric)),
    "latency thresholds are evaluated",
  );
  const failed = outcomes.filter((o) => !o.ok && !isLatency(o.metric));
  assert.deepEqual(failed, []);
  const regions = byTag(result.summary, "http_req_duration", "region").filter(
    ([, m]) => (m.values.count ?? 0) > 0,
  );
  assert.equal(regions.length, CLIENTS.length);
  // Clients in a site's city are served there (no site is down in a fresh demo world).
  for (const s of samples)
    if (s.kind === "request" && s.region === "zanzibar") assert.equal(s.site, "znz");
  const sessions = samples.filter((s) => s.kind === "session");
  assert.ok(sessions.length > 0, "no websocket session ran");
  for (const s of sessions) assert.equal(s.echoed, s.sent);
  assert.equal(result.summary.metrics.iterations?.values.count, samples.length);
});

test("a target that does not answer stops the run before any load, with target_not_ready", async () => {
  const port = await freePort();
  await assert.rejects(
    runWorkload({
      workload: WORKLOADS.smoke,
      baseUrl: `http://127.0.0.1:${port}`,
      adminUrl: `http://127.0.0.1:${port}`,
      readyTimeoutMs: 500,
    }),
    (error: Error & { code?: string }) =>
      error.code === "target_not_ready" && error.message.includes(`127.0.0.1:${port}`),
  );
});

/** A port nothing listens on: bound, then released. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}
