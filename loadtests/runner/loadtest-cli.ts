/**
 * `npm run loadtest -- --scenario NAME`: one workload of config/workloads.ts from Node, against
 * the demo world it starts (default) or a target given with --base-url/--admin-url. Prints the
 * same text summary as the k6 suite (or JSON with --json), writes both to --out, and exits 1
 * when a threshold fails, 2 on bad usage, 3 when the target is not ready.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { WORKLOAD_NAMES, WORKLOADS, type WorkloadName } from "../config/workloads.ts";
import { formatSummary } from "../summary/format-summary.ts";
import { startDemoTarget, type Target } from "./demo-target.ts";
import { reportRefusedOps, runWorkload } from "./run-workload.ts";

const USAGE = `usage: npm run loadtest -- --scenario NAME [options]
  --scenario NAME     one of ${WORKLOAD_NAMES.join(", ")}
  --base-url URL      the target (default: start the demo world on free ports)
  --admin-url URL     its admin API (failover only; default: the demo world's)
  --scale F           multiply every arrival rate by F (default 1)
  --no-site-header    the gateways do not send x-gateway-site
  --out DIR           where the summaries go (default loadtests/out)
  --json              print the summary data as JSON instead of text`;

const OPTIONS = {
  scenario: { type: "string" },
  "base-url": { type: "string" },
  "admin-url": { type: "string" },
  scale: { type: "string", default: "1" },
  "no-site-header": { type: "boolean", default: false },
  out: { type: "string", default: "loadtests/out" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", default: false },
} as const;

async function main(args: string[]): Promise<number> {
  let values: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS }>>["values"];
  try {
    values = parseArgs({ args, options: OPTIONS }).values;
  } catch (error) {
    return usage((error as Error).message);
  }
  if (values.help) return usage(undefined, 0);
  const name = values.scenario;
  if (!name || !(WORKLOAD_NAMES as readonly string[]).includes(name))
    return usage(
      `--scenario: expected one of ${WORKLOAD_NAMES.join(", ")}, got ${name ?? "nothing"}`,
    );
  const scale = Number(values.scale);
  if (!Number.isFinite(scale) || scale <= 0)
    return usage(`--scale: a positive number, got ${values.scale}`);
  const workload = WORKLOADS[name as WorkloadName];
  let target: Target;
  if (values["base-url"]) {
    const adminUrl = values["admin-url"] ?? "http://127.0.0.1:9090";
    target = { baseUrl: values["base-url"], adminUrl, close: async () => {} };
  } else target = await startDemoTarget();
  try {
    const result = await runWorkload({
      workload,
      baseUrl: target.baseUrl.replace(/\/$/, ""),
      adminUrl: target.adminUrl.replace(/\/$/, ""),
      adminToken: process.env.ADMIN_TOKEN ?? target.adminToken,
      scale,
      expectSiteHeader: !values["no-site-header"],
    });
    const text = formatSummary(result.summary);
    await mkdir(values.out, { recursive: true });
    await writeFile(
      join(values.out, `${name}-summary.json`),
      `${JSON.stringify(result.summary, null, 2)}\n`,
    );
    await writeFile(join(values.out, `${name}-summary.txt`), text);
    process.stdout.write(values.json ? `${JSON.stringify(result.summary, null, 2)}\n` : text);
    reportRefusedOps(result.ops);
    return result.passed ? 0 : 1;
  } catch (error) {
    if ((error as { code?: string }).code === "target_not_ready") {
      process.stderr.write(`loadtest: ${(error as Error).message}\n`);
      return 3;
    }
    throw error;
  } finally {
    await target.close();
  }
}

function usage(problem: string | undefined, code = 2): number {
  if (problem) process.stderr.write(`loadtest: ${problem}\n`);
  (code === 0 ? process.stdout : process.stderr).write(`${USAGE}\n`);
  return code;
}

process.exitCode = await main(process.argv.slice(2));
