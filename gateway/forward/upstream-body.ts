/**
 * The upstream response of one try, fed by undici's dispatch handler (`forward-try.ts`)
 * and read once: sent to the client, discarded, or (tests, small answers) collected. Chunks
 * that arrive before a reader is attached wait here; past `HOLD_BYTES` the upstream is paused
 * so a response nobody reads yet cannot fill the memory.
 *
 * Flow control to the client is the usual pair: a `write` that returns false pauses the
 * upstream, the client's `drain` resumes it. No Readable sits between the two (it cost about
 * a third of a 16 KiB response's CPU in the proxy benchmark). A client that leaves the
 * response unread for `sendTimeoutMs` (nothing drains) is cut off (nginx `send_timeout`), so
 * a reader that stopped cannot pin the upstream connection.
 *
 * How the body ended is told once to `settled`: with the upstream's error when the upstream
 * failed part-way (a reset mid-body is an upstream failure, not a served try), else without.
 *
 * Trailers the upstream sent after its body go to the client with its end (`addTrailers`):
 * an HTTP/2 client gets them as a trailing HEADERS frame, an HTTP/1.1 client in the last
 * chunk of a chunked response (Node drops them from a response with a content-length).
 */
import type { ServerResponse } from "node:http";

/**
 * What the body needs from undici's DispatchController. Aborting the exchange when the client
 * leaves is not its business: the try's ClientGone watcher does that, head and body alike.
 */
export interface FlowControl {
  pause(): void;
  resume(): void;
}

const HOLD_BYTES = 64 * 1024;

/** How sending a body to the client ended. */
export type SendResult =
  | { readonly kind: "sent" }
  | { readonly kind: "client-gone" }
  | { readonly kind: "send-timeout" }
  | { readonly kind: "upstream-failed"; readonly error: Error };

const SENT: SendResult = Object.freeze({ kind: "sent" });
const CLIENT_GONE: SendResult = Object.freeze({ kind: "client-gone" });
const SEND_TIMEOUT: SendResult = Object.freeze({ kind: "send-timeout" });

type Reader =
  | { readonly kind: "client"; readonly res: ServerResponse }
  | { readonly kind: "discard" }
  | { readonly kind: "collect"; readonly chunks: Buffer[]; readonly done: (error?: Error) => void };

export class UpstreamBody {
  readonly #flow: FlowControl;
  #held: Buffer[] = [];
  #heldBytes = 0;
  #ended = false;
  #error: Error | undefined;
  /** True when #error came from the upstream (not from the client leaving). */
  #upstreamFailed = false;
  #reader: Reader | undefined;
  #trailers: Readonly<Record<string, string | string[] | undefined>> | undefined;
  /**
   * Called once when the exchange is over (body ended, failed, abandoned or discarded), with
   * the upstream's error when the upstream failed part-way.
   */
  readonly #settled: (upstreamError: Error | undefined) => void;
  #isSettled = false;
  #sendTimer: NodeJS.Timeout | undefined;
  #sendTimeoutMs = 0;
  #sendTimedOut = false;

  constructor(flow: FlowControl, settled: (upstreamError: Error | undefined) => void) {
    this.#flow = flow;
    this.#settled = settled;
  }

  /**
   * Streams the body to the client. Resolves once the response closes: sent whole, the client
   * gone, the client not reading for `sendTimeoutMs` (the connection is then cut), or the
   * upstream failing part-way (the connection is cut, so the client sees a broken response).
   */
  sendTo(res: ServerResponse, sendTimeoutMs: number): Promise<SendResult> {
    return new Promise((resolve) => {
      if (!this.#attach({ kind: "client", res })) return resolve(CLIENT_GONE);
      this.#sendTimeoutMs = sendTimeoutMs;
      res.on("drain", () => {
        clearTimeout(this.#sendTimer);
        this.#sendTimer = undefined;
        this.#flow.resume();
      });
      res.once("close", () => {
        clearTimeout(this.#sendTimer);
        this.#settle();
        resolve(this.#sendResult(res));
      });
      this.#flush();
      this.#armSendTimer(res);
    });
  }

  /** Starts the send timer when the client's buffer is full and none runs yet. */
  #armSendTimer(res: ServerResponse): void {
    if (this.#sendTimer !== undefined || !res.writableNeedDrain) return;
    this.#sendTimer = setTimeout(() => {
      this.#sendTimedOut = true;
      res.destroy();
    }, this.#sendTimeoutMs);
  }

  #sendResult(res: ServerResponse): SendResult {
    if (this.#upstreamFailed && this.#error) return { kind: "upstream-failed", error: this.#error };
    if (this.#sendTimedOut) return SEND_TIMEOUT;
    return res.writableFinished ? SENT : CLIENT_GONE;
  }

  /** Discards the body; the connection goes back to the pool once it has been read off. */
  dump(): void {
    if (!this.#attach({ kind: "discard" })) return;
    this.#held = [];
    this.#heldBytes = 0;
    this.#flow.resume();
    if (this.#ended || this.#error) this.#settle();
  }

  /** Collects the whole body as text (for small answers and tests). */
  text(): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      const done = (error?: Error) =>
        error ? reject(error) : resolve(Buffer.concat(chunks).toString());
      if (!this.#attach({ kind: "collect", chunks, done }))
        return reject(new Error("body already read"));
      this.#flush();
    });
  }

  // --- fed by the dispatch handler ---

  data(chunk: Buffer): void {
    const reader = this.#reader;
    if (reader === undefined) {
      this.#held.push(chunk);
      this.#heldBytes += chunk.length;
      if (this.#heldBytes > HOLD_BYTES) this.#flow.pause();
    } else if (reader.kind === "client") {
      if (!reader.res.write(chunk)) {
        this.#flow.pause();
        this.#armSendTimer(reader.res);
      }
    } else if (reader.kind === "collect") {
      reader.chunks.push(chunk);
    }
  }

  end(trailers?: Readonly<Record<string, string | string[] | undefined>>): void {
    this.#ended = true;
    if (trailers && Object.keys(trailers).length > 0) this.#trailers = trailers;
    if (this.#reader) this.#finish();
  }

  /** The exchange failed: `fromUpstream` false when it was aborted because the client left. */
  fail(error: Error, fromUpstream: boolean): void {
    this.#error = error;
    this.#upstreamFailed = fromUpstream;
    if (this.#reader) this.#finish();
  }

  #attach(reader: Reader): boolean {
    if (this.#reader !== undefined) return false;
    this.#reader = reader;
    return true;
  }

  /** Hands the held chunks to the reader just attached, then any end or error seen. */
  #flush(): void {
    const held = this.#held;
    this.#held = [];
    this.#heldBytes = 0;
    const reader = this.#reader;
    // A whole body already here goes out with the head in one write: end(lastChunk).
    if (reader?.kind === "client" && this.#ended && !this.#error && held.length > 0) {
      const last = held.pop() as Buffer;
      for (const chunk of held) reader.res.write(chunk);
      this.#addTrailers(reader.res);
      reader.res.end(last);
      this.#settle();
      return;
    }
    for (const chunk of held) this.data(chunk);
    if (this.#ended || this.#error) this.#finish();
    else this.#flow.resume();
  }

  #finish(): void {
    const reader = this.#reader;
    if (reader?.kind === "client") {
      if (this.#error) reader.res.destroy(this.#error);
      else {
        this.#addTrailers(reader.res);
        reader.res.end();
      }
    } else if (reader?.kind === "collect") {
      reader.done(this.#error);
    }
    this.#settle();
  }

  #addTrailers(res: ServerResponse): void {
    if (!this.#trailers) return;
    const fields: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(this.#trailers))
      if (value !== undefined) fields[name] = value;
    try {
      res.addTrailers(fields);
    } catch {
      // A field the client's protocol cannot carry (an HTTP/2 connection header): the body
      // still ends; trailers are metadata a client may not get anyway (RFC 9110 §6.5.1).
    }
  }

  #settle(): void {
    if (this.#isSettled) return;
    this.#isSettled = true;
    this.#settled(this.#upstreamFailed ? this.#error : undefined);
  }
}
