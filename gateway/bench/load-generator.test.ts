// Reading wrk's --latency report: a table of real reports, and one that is not a report.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseWrk } from "./load-generator.ts";

const clean = `Running 1s test @ http://127.0.0.1:34607/small
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.28ms    1.89ms  45.48ms   98.58%
    Req/Sec    28.39k     6.30k   54.03k    90.48%
  Latency Distribution
     50%    1.10ms
     75%    1.21ms
     90%    1.33ms
     99%    4.14ms
  59172 requests in 1.10s, 12.08MB read
Requests/sec:  53800.21
Transfer/sec:     10.98MB
`;

const withErrors = `Running 1s test @ http://127.0.0.1:34607/nothing
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    61.74us  222.97us   4.43ms   98.10%
    Req/Sec    53.72k     3.98k   58.94k    72.73%
  Latency Distribution
     50%   30.00us
     75%   39.00us
     90%   56.00us
     99%    1.00s
  58499 requests in 1.10s, 7.25MB read
  Socket errors: connect 1, read 2, write 3, timeout 4
  Non-2xx or 3xx responses: 58499
Requests/sec:  53205.48
Transfer/sec:      6.60MB
`;

test("a clean report gives requests, the rate over wrk's own duration, and p50/p99 in ms", () => {
  const result = parseWrk(clean);
  assert.equal(result.requests, 59_172);
  assert.equal(result.seconds, 1.1);
  assert.ok(Math.abs(result.requestsPerSecond - 59_172 / 1.1) < 1e-6);
  assert.equal(result.p50Ms, 1.1);
  assert.equal(result.p99Ms, 4.14);
  assert.equal(result.errors, 0);
  assert.equal(result.non2xx, 0);
});

test("µs and s latencies are converted to ms; socket errors are summed; non-2xx counted", () => {
  const result = parseWrk(withErrors);
  assert.equal(result.p50Ms, 0.03);
  assert.equal(result.p99Ms, 1_000);
  assert.equal(result.errors, 10);
  assert.equal(result.non2xx, 58_499);
});

test("output without a latency distribution (wrk run without --latency) is refused", () => {
  const withoutLatency = clean.replace(/ {2}Latency Distribution[\s\S]*?99%.*\n/, "");
  assert.throws(() => parseWrk(withoutLatency), /not a wrk --latency report/);
});
