import assert from "node:assert/strict";
import { test } from "node:test";
import { createRunMetrics } from "./run-metrics.ts";
import type { RequestSample } from "./sample.ts";

function sample(overrides: Partial<RequestSample>): RequestSample {
  return {
    kind: "request",
    flow: "browse",
    region: "lima",
    continent: "SA",
    method: "GET",
    route: "/",
    idempotent: true,
    intendedMs: 0,
    sentMs: 0,
    endMs: 10,
    status: 200,
    error: undefined,
    site: "bue",
    compromisedHit: false,
    checks: [{ name: "status is 2xx/3xx", ok: true }],
    ...overrides,
  };
}

test("latency is measured from the scheduled start, service time from the real one", () => {
  const metrics = createRunMetrics({});
  metrics.record(sample({ intendedMs: 0, sentMs: 40, endMs: 50 }));
  const { metrics: m } = metrics.summary(1_000, null);
  assert.equal(Math.round(m.http_req_duration?.values.max ?? 0), 50);
  assert.equal(Math.round(m.http_req_service_time?.values.max ?? 0), 10);
});

test("sub-metric thresholds judge only the samples carrying their tags", () => {
  const metrics = createRunMetrics({
    "http_req_duration{region:lima}": ["p(99)<100"],
    "http_req_duration{region:paris}": ["p(99)<100"],
    "site_req_failed{site:gru}": ["rate<0.5"],
  });
  metrics.record(sample({ region: "lima", endMs: 20 }));
  metrics.record(sample({ region: "paris", endMs: 300, site: "cdg" }));
  metrics.record(sample({ region: "paris", status: 503, site: "gru" }));
  const { metrics: m } = metrics.summary(1_000, null);
  assert.deepEqual(m["http_req_duration{region:lima}"]?.thresholds, { "p(99)<100": { ok: true } });
  assert.deepEqual(m["http_req_duration{region:paris}"]?.thresholds, {
    "p(99)<100": { ok: false },
  });
  assert.deepEqual(m["site_req_failed{site:gru}"]?.values, { rate: 1, passes: 1, fails: 0 });
  assert.equal(m["site_req_failed{site:gru}"]?.thresholds?.["rate<0.5"]?.ok, false);
});

test("no answer and 4xx/5xx count as failed requests; dropped iterations are counted", () => {
  const metrics = createRunMetrics({
    http_req_failed: ["rate<0.01"],
    dropped_iterations: ["count==0"],
  });
  metrics.record(sample({ status: 0, error: "ECONNREFUSED" }));
  metrics.record(sample({ status: 404 }));
  metrics.record(sample({ status: 200 }));
  metrics.record(sample({ status: 302 }));
  metrics.recordDropped(2);
  const { metrics: m } = metrics.summary(1_000, null);
  assert.equal(m.http_req_failed?.values.rate, 0.5);
  assert.equal(m.http_req_failed?.thresholds?.["rate<0.01"]?.ok, false);
  assert.equal(m.dropped_iterations?.values.count, 2);
  assert.equal(m.dropped_iterations?.thresholds?.["count==0"]?.ok, false);
});

test("a percentile a threshold names is read from the histogram even if the summary omits it", () => {
  const metrics = createRunMetrics({ http_req_duration: ["p(75)<25"] });
  for (let ms = 1; ms <= 100; ms++) metrics.record(sample({ endMs: ms }));
  const { metrics: m } = metrics.summary(1_000, null);
  assert.equal(m.http_req_duration?.thresholds?.["p(75)<25"]?.ok, false);
});

test("a threshold on a metric the runner does not have is refused by name", () => {
  assert.throws(() => createRunMetrics({ grpc_req_duration: ["p(99)<1"] }), /grpc_req_duration/);
});
