/**
 * The TLS benchmark's load: h2load for requests (HTTP/1.1 in the clear, HTTP/1.1 over TLS,
 * HTTP/2 over TLS with many streams per connection), and a handshake loop for full TLS
 * handshakes (connect, handshake, close; no session offered, so none is resumed). Each run is
 * measured as the target's CPU time over it (process-tree.ts), divided by what was done.
 */
import { execFile } from "node:child_process";
import { connect } from "node:tls";
import { promisify } from "node:util";
import { sampleTree } from "./process-tree.ts";
import { CLIENT_ADDRESS } from "./workload.ts";

const run = promisify(execFile);

export type LoadMode = "plain-h1" | "tls-h1" | "tls-h2" | "handshake";

export const MODE_LABELS: Record<LoadMode, string> = {
  "plain-h1": "HTTP/1.1, plain",
  "tls-h1": "HTTP/1.1 over TLS",
  "tls-h2": "HTTP/2 over TLS",
  handshake: "full TLS handshakes",
};

export interface LoadSpec {
  readonly requests: number;
  /** HTTP/1.1 connections (h2load -c), each one request at a time. */
  readonly h1Connections: number;
  /** HTTP/2: connections, and streams at a time on each (h2load -m). */
  readonly h2Connections: number;
  readonly h2Streams: number;
  readonly handshakes: number;
  readonly handshakeConcurrency: number;
}

/** What one measured run did: the work, its CPU in the target, and how long it took. */
export interface LoadResult {
  readonly done: number;
  readonly failed: number;
  readonly cpuMicros: number;
  readonly seconds: number;
}

/** The h2load summary line's counts (`requests: N total, … N succeeded, N failed`). */
export function parseH2load(output: string): { succeeded: number; failed: number } | undefined {
  const line = /requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed/.exec(
    output,
  );
  if (!line) return undefined;
  return { succeeded: Number(line[1]), failed: Number(line[2]) };
}

/** One run of `mode` against `url` (`/small`), measured in the process tree of `pid`. */
export async function measure(
  mode: LoadMode,
  url: string,
  pid: number,
  spec: LoadSpec,
): Promise<LoadResult> {
  const before = sampleTree(pid).cpuMicros;
  const started = performance.now();
  const { done, failed } =
    mode === "handshake" ? await handshakes(url, spec) : await h2load(mode, url, spec);
  const seconds = (performance.now() - started) / 1e3;
  return { done, failed, cpuMicros: sampleTree(pid).cpuMicros - before, seconds };
}

async function h2load(
  mode: Exclude<LoadMode, "handshake">,
  url: string,
  spec: LoadSpec,
): Promise<{ done: number; failed: number }> {
  const shape =
    mode === "tls-h2"
      ? ["-c", String(spec.h2Connections), "-m", String(spec.h2Streams)]
      : ["--h1", "-c", String(spec.h1Connections), "-m", "1"];
  const args = [
    ...["-n", String(spec.requests), ...shape],
    ...["-H", `x-forwarded-for: ${CLIENT_ADDRESS}`],
    `${url}/small`,
  ];
  const { stdout } = await run("h2load", args, { timeout: 600_000, maxBuffer: 1 << 24 });
  const counts = parseH2load(stdout);
  if (!counts) throw new Error(`h2load said nothing readable:\n${stdout.slice(-2_000)}`);
  return { done: counts.succeeded, failed: counts.failed };
}

/** `spec.handshakes` full handshakes, `handshakeConcurrency` at a time, each closed at once. */
async function handshakes(url: string, spec: LoadSpec): Promise<{ done: number; failed: number }> {
  const { hostname, port } = new URL(url);
  let started = 0;
  let done = 0;
  let failed = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const socket = connect({
        host: hostname,
        port: Number(port),
        rejectUnauthorized: false,
        ALPNProtocols: ["h2", "http/1.1"],
      });
      // A target that takes the connection and never answers the ClientHello fails the
      // handshake after 10 s instead of holding the bench for ever.
      socket.setTimeout(10_000, () => socket.destroy(new Error("handshake timeout")));
      socket.once("secureConnect", () => {
        done += 1;
        socket.destroy();
        resolve();
      });
      socket.once("error", () => {
        failed += 1;
        resolve();
      });
    });
  const worker = async () => {
    while (started < spec.handshakes) {
      started += 1;
      await one();
    }
  };
  await Promise.all(Array.from({ length: spec.handshakeConcurrency }, worker));
  return { done, failed };
}
