/**
 * One open-model load run in a process of its own (so its CPU is never the target's): takes
 * an OpenLoadSpec as JSON in argv[2], opens every connection with one unmeasured request, runs
 * `warmSeconds` of the schedule unmeasured (its own JIT and the target settle at the rate),
 * prints `start` on stdout when the measured schedule begins (the benchmark samples the
 * target's CPU there), then one line of OpenLoadReport JSON when the answers are in. Exit 1
 * on an error.
 * Usage (the benchmark starts it): node gateway/bench/open-load-run.ts '{"url":…}'
 */
import { encodeIntoCompressedBase64 } from "hdr-histogram-js";
import type { OpenLoadReport, OpenLoadSpec } from "./open-load.ts";
import { OpenLoadDriver } from "./open-load-driver.ts";

const spec = JSON.parse(process.argv[2] ?? "{}") as OpenLoadSpec;
const url = new URL(spec.url);
const driver = new OpenLoadDriver({
  origin: url.origin,
  path: `${url.pathname}${url.search}`,
  headers: spec.headers,
  connections: spec.connections,
});
const { ratePerS, drainMs } = spec;
try {
  await driver.connect();
  if (spec.warmSeconds > 0) await driver.run({ ratePerS, seconds: spec.warmSeconds, drainMs });
  process.stdout.write("start\n");
  const outcome = await driver.run({ ratePerS, seconds: spec.seconds, drainMs });
  const { latency, sendLag, ...counts } = outcome;
  const report: OpenLoadReport = {
    ratePerS,
    seconds: spec.seconds,
    connections: spec.connections,
    ...counts,
    latency: encodeIntoCompressedBase64(latency),
    sendLag: encodeIntoCompressedBase64(sendLag),
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  await driver.close();
} catch (error) {
  process.stderr.write(`open-load-run: ${(error as Error).stack ?? error}\n`);
  process.exitCode = 1;
  await driver.close();
}
