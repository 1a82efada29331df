/**
 * k6's `setup()` check, in Node: the target must answer 2xx before any load starts, within a
 * deadline; else the run stops at once with `target_not_ready` and the last thing it saw.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { request } from "undici";

export class TargetNotReadyError extends Error {
  readonly code = "target_not_ready";
}

export async function waitReady(
  url: string,
  headers: Readonly<Record<string, string>>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    try {
      const res = await request(url, { headers, headersTimeout: 2_000, bodyTimeout: 2_000 });
      await res.body.dump();
      if (res.statusCode >= 200 && res.statusCode < 300) return;
      last = `HTTP ${res.statusCode}`;
    } catch (error) {
      last = (error as Error).message || (error as Error).name;
    }
    await sleep(200);
  }
  throw new TargetNotReadyError(`target not ready: GET ${url} → ${last} for ${timeoutMs} ms`);
}
