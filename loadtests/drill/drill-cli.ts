/**
 * `npm run drill`: the failover drill (config/drill-plan.ts) against a demo world it starts
 * itself (kill and revive exist only there), in fleet mode: every site its own Consul
 * datacenter, so the compromise step goes through the place of record (the hubs' KV). Writes report.md, the SVG plots and the samples'
 * summary to --out (default loadtests/out/drill), prints the goals, and exits 1 if one is missed.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DRILL, HOLD_DOWN_S, WARM_UP_S } from "../config/drill-plan.ts";
import { workloadDurationS } from "../config/workloads.ts";
import { startDemoTarget } from "../runner/demo-target.ts";
import { reportRefusedOps, runWorkload } from "../runner/run-workload.ts";
import type { RequestSample } from "../runner/sample.ts";
import { formatSummary } from "../summary/format-summary.ts";
import { analyseDrill } from "./analyse-drill.ts";
import { latencySpec, percentileCurveSpec, renderSvg, shareSpec } from "./drill-plots.ts";
import { drillReport } from "./drill-report.ts";

const PLOTS = {
  share: "share-over-time.svg",
  latency: "latency-over-time.svg",
  curve: "latency-percentiles.svg",
};

const USAGE = "usage: npm run drill -- [--out loadtests/out/drill] [--json]";

function readArgs(args: string[]) {
  return parseArgs({
    args,
    options: {
      out: { type: "string", default: "loadtests/out/drill" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  }).values;
}

async function main(args: string[]): Promise<number> {
  let values: ReturnType<typeof readArgs>;
  try {
    values = readArgs(args);
  } catch (error) {
    process.stderr.write(`drill: ${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const target = await startDemoTarget({ fleet: true });
  const samples: RequestSample[] = [];
  const startedAt = new Date().toISOString();
  let result: Awaited<ReturnType<typeof runWorkload>>;
  try {
    result = await runWorkload({
      workload: DRILL,
      baseUrl: target.baseUrl,
      adminUrl: target.adminUrl,
      ...(target.adminToken && { adminToken: target.adminToken }),
      onSample: (s) => {
        if (s.kind === "request") samples.push(s);
      },
    });
  } finally {
    await target.close();
  }
  const analysis = analyseDrill(samples, result.ops, HOLD_DOWN_S * 1_000, WARM_UP_S * 1_000);
  await mkdir(values.out, { recursive: true });
  await writeFile(
    join(values.out, PLOTS.share),
    await renderSvg(shareSpec(analysis.timeline, result.ops)),
  );
  await writeFile(
    join(values.out, PLOTS.latency),
    await renderSvg(latencySpec(analysis.timeline, result.ops)),
  );
  await writeFile(
    join(values.out, PLOTS.curve),
    await renderSvg(percentileCurveSpec(analysis.curve)),
  );
  const summaryText = formatSummary(result.summary);
  const report = drillReport(analysis, {
    startedAt,
    ratePerS: DRILL.stages.at(-1)?.targetPerS ?? 0,
    warmUpS: WARM_UP_S,
    durationS: workloadDurationS(DRILL),
    holdDownS: HOLD_DOWN_S,
    plots: PLOTS,
    summaryText,
  });
  await writeFile(join(values.out, "report.md"), report);
  await writeFile(
    join(values.out, "samples.ndjson"),
    samples.map((x) => JSON.stringify(x)).join("\n"),
  );
  const { timeline, ...figures } = analysis;
  const json = `${JSON.stringify({ ...figures, ops: result.ops }, null, 2)}\n`;
  await writeFile(join(values.out, "drill.json"), json);
  if (values.json) process.stdout.write(json);
  else {
    for (const g of analysis.goals)
      process.stdout.write(`${g.met ? "met   " : "MISSED"}  ${g.goal}: ${g.observed}\n`);
    process.stdout.write(`report: ${join(values.out, "report.md")}\n`);
  }
  reportRefusedOps(result.ops);
  return analysis.goals.every((g) => g.met) && result.ops.every((o) => o.status === 200) ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
