/**
 * The lab's client: `node client-loop.ts URL INTERVAL_MS MAX_SECONDS`, run in the client
 * namespace. A bounded loop of GETs, one new TCP connection each (a new user each time: a
 * kept-alive connection would stay with the old site), each try with a 1 s timeout.
 * A failed try (no answer, reset, timeout, or a 5xx) is retried once, after 1 s — what
 * `curl --retry 1 --retry-delay 1 --retry-connrefused --max-time 1` does. One JSON line per
 * request on stdout: when it started and ended (epoch ms), the tries, the ingress that answered and
 * the site that served, or the error. Ends at MAX_SECONDS, after 100,000 requests, or when
 * stdin closes.
 */
import { request } from "node:http";

const [url = "http://127.0.0.1/", intervalText = "50", maxSecondsText = "300"] =
  process.argv.slice(2);
const TRY_TIMEOUT_MS = 1_000;
const RETRY_DELAY_MS = 1_000;
const MAX_REQUESTS = 100_000;

interface TryResult {
  readonly ok: boolean;
  readonly status?: number;
  readonly ingress?: string;
  readonly site?: string;
  readonly error?: string;
}

function tryOnce(): Promise<TryResult> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: TRY_TIMEOUT_MS }, (res) => {
      res.resume();
      res.once("end", () => {
        const status = res.statusCode ?? 0;
        resolve({
          ok: status < 500,
          status,
          ingress: String(res.headers["x-gateway-ingress"] ?? ""),
          site: String(res.headers["x-gateway-site"] ?? ""),
        });
      });
      res.once("error", (error) => resolve({ ok: false, error: error.message }));
    });
    req.once("timeout", () => req.destroy(new Error("timeout")));
    req.once("error", (error) =>
      resolve({ ok: false, error: (error as { code?: string }).code ?? error.message }),
    );
    req.end();
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let stopped = false;
process.stdin.on("data", () => {});
process.stdin.once("end", () => {
  stopped = true;
});
const deadline = Date.now() + Number(maxSecondsText) * 1_000;
for (let i = 0; i < MAX_REQUESTS && !stopped && Date.now() < deadline; i++) {
  const at = performance.timeOrigin + performance.now();
  let result = await tryOnce();
  let tries = 1;
  if (!result.ok) {
    await sleep(RETRY_DELAY_MS);
    result = await tryOnce();
    tries = 2;
  }
  const end = Math.round(performance.timeOrigin + performance.now());
  process.stdout.write(`${JSON.stringify({ at: Math.round(at), end, tries, ...result })}\n`);
  await sleep(Number(intervalText));
}
process.exit(0);
