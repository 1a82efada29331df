/**
 * A GET that cannot hold the caller: an answer within `timeoutMs` (head and body), of at most
 * `maxBodyBytes` (counted as it arrives, whatever Content-Length says), or an error saying
 * which bound it broke. For input from other hosts: the fleet's gateways and Consul.
 */
import { type Dispatcher, request } from "undici";

export interface BoundedGet {
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly dispatcher?: Dispatcher;
}

/** The body of a 200 answer as text; any other status is an error (`answered <status>`). */
export async function getBounded(url: string | URL, options: BoundedGet): Promise<string> {
  const res = await request(url, {
    signal: AbortSignal.timeout(options.timeoutMs),
    headers: { accept: "application/json", ...options.headers },
    ...(options.dispatcher && { dispatcher: options.dispatcher }),
  });
  const tooLarge = `answer over ${options.maxBodyBytes} bytes`;
  if (res.statusCode !== 200) throw discarded(res.body, `answered ${res.statusCode}`);
  if (Number(res.headers["content-length"] ?? 0) > options.maxBodyBytes)
    throw discarded(res.body, tooLarge);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += (chunk as Buffer).length;
    if (size > options.maxBodyBytes) throw new Error(tooLarge); // the loop's exit destroys it
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The body closed unread (its abort is expected, so not an error event nobody hears). */
function discarded(body: Dispatcher.ResponseData["body"], reason: string): Error {
  body.on("error", () => {});
  body.destroy();
  return new Error(reason);
}

/** What went wrong, in words for the view: a timeout as the bound it broke. */
export function describeFailure(error: Error, timeoutMs: number): string {
  if (error.name === "TimeoutError" || error.name === "AbortError")
    return `no answer within ${timeoutMs} ms`;
  if (error instanceof SyntaxError) return "the answer is not JSON";
  const code = (error as { code?: string }).code;
  return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}

/** `run` over the items, `limit` at a time; results in the items' order. */
export async function mapPooled<T, R>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
