import assert from "node:assert/strict";
import { test } from "node:test";
import { ecsOption, parseDnsperf } from "./dnsperf.ts";

const ecsRows: [name: string, subnet: string, expected: string][] = [
  ["a /28 carries its first four bytes", "198.51.100.160/28", "8:00011c00c63364a0"],
  ["a /24 carries three bytes", "198.51.100.0/24", "8:00011800c63364"],
  ["a /0 carries no address byte", "0.0.0.0/0", "8:00010000"],
];

for (const [name, subnet, expected] of ecsRows) {
  test(`ecsOption: ${name}`, () => assert.equal(ecsOption(subnet), expected));
}

test("ecsOption refuses what is not an IPv4 subnet", () => {
  for (const bad of ["2001:db8::/32", "198.51.100.0/33", "198.51.100.0"])
    assert.throws(() => ecsOption(bad), RangeError, bad);
});

const REPORT = `Statistics:

  Queries sent:         2055
  Queries completed:    2050 (99.76%)
  Queries lost:         5 (0.24%)

  Response codes:       NOERROR 2000 (97.56%), SERVFAIL 50 (2.44%)
  Average packet size:  request 57, response 73
  Run time (s):         3.258543
  Queries per second:   630.649956

  Average Latency (s):  0.149330 (min 0.012248, max 0.260588)
`;

test("parseDnsperf reads counts, rate, latency in ms and every response code", () => {
  const report = parseDnsperf(REPORT);
  assert.deepEqual(
    { ...report, avgLatencyMs: Math.round(report.avgLatencyMs * 1000) / 1000 },
    {
      sent: 2055,
      completed: 2050,
      lost: 5,
      qps: 630.649956,
      avgLatencyMs: 149.33,
      rcodes: { NOERROR: 2000, SERVFAIL: 50 },
    },
  );
});
