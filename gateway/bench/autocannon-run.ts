/**
 * One autocannon run in a process of its own (the fallback load generator when wrk is not
 * installed). Takes a LoadSpec as JSON in argv[2]; prints a LoadResult as JSON on stdout.
 */
import { createRequire } from "node:module";
import type { LoadResult, LoadSpec } from "./load-generator.ts";

/** The part of autocannon's API used here (the package ships no types). */
interface AutocannonResult {
  readonly requests: { readonly total: number };
  /** s */
  readonly duration: number;
  /** ms */
  readonly latency: { readonly p50: number; readonly p99: number };
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;
const spec = JSON.parse(process.argv[2] ?? "{}") as LoadSpec;
const result = await autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.seconds,
  pipelining: 1,
  headers: { ...spec.headers },
});
const answer: LoadResult = {
  requests: result.requests.total,
  seconds: result.duration,
  requestsPerSecond: result.requests.total / result.duration,
  p50Ms: result.latency.p50,
  p99Ms: result.latency.p99,
  errors: result.errors + result.timeouts,
  non2xx: result.non2xx,
};
process.stdout.write(`${JSON.stringify(answer)}\n`);
