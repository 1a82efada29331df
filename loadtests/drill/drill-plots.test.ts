import assert from "node:assert/strict";
import { test } from "node:test";
import type { OpsRecord } from "../runner/run-workload.ts";
import { latencySpec, percentileCurveSpec, renderSvg, shareSpec } from "./drill-plots.ts";
import type { Bucket } from "./timeline.ts";

const buckets: Bucket[] = [0, 1, 2].map(
  (atS): Bucket => ({
    atS,
    requests: 10,
    failed: 0,
    bySite: (atS < 2 ? { znz: 10 } : { dar: 7, dxb: 3 }) as Record<string, number>,
    p50: 5,
    p90: 8,
    p99: 20 + atS,
    max: 30,
  }),
);
const ops: OpsRecord[] = [
  {
    event: { atS: 1.5, action: "kill", site: "znz" },
    sentMs: 1_500,
    answeredMs: 1_510,
    status: 200,
  },
];

test("each plot renders to a standalone SVG naming its data", async () => {
  const share = await renderSvg(shareSpec(buckets, ops));
  assert.match(share, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  for (const text of ["znz", "dar", "dxb", "kill znz"]) assert.ok(share.includes(text), text);
  const latency = await renderSvg(latencySpec(buckets, ops));
  for (const text of ["p50", "p99", "max"]) assert.ok(latency.includes(text), text);
  const curve = await renderSvg(
    percentileCurveSpec([
      { percentile: 50, correctedMs: 5, serviceMs: 4 },
      { percentile: 99, correctedMs: 20, serviceMs: 9 },
      { percentile: 99.9, correctedMs: 40, serviceMs: 10 },
    ]),
  );
  assert.ok(curve.includes("99.9%"), "percentile axis labels");
});
