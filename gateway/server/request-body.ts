/**
 * The request body: none, buffered (small, so a retry can replay it, whatever the method:
 * even a POST is re-sent after a refused connect), or streamed through (one try only). The
 * body cap holds both ways: a Content-Length over it is refused at once, and a chunked body
 * that grows past it is cut off with 413. Either way a BodyWatch counts the bytes and ends
 * the read with 408 when the client stalls or trickles.
 *
 * An HTTP/2 request says it has no body by ending its stream with its head (END_STREAM on
 * HEADERS); without content-length its body is of unknown length (there is no chunked
 * coding in h2): streamed, as a chunked HTTP/1.1 body would be.
 */
import type { IncomingMessage } from "node:http";
import { Transform } from "node:stream";
import { GatewayError } from "../errors/error-catalogue.ts";
import type { BodyWatch } from "./body-watch.ts";

export type BodyPlan =
  | { readonly kind: "none" }
  | { readonly kind: "buffer"; readonly length: number }
  | { readonly kind: "stream" }
  | { readonly kind: "too-large" };

export function planBody(
  req: IncomingMessage,
  maxBodyBytes: number,
  maxReplayableBytes: number,
): BodyPlan {
  const te = req.headers["transfer-encoding"];
  const length =
    req.headers["content-length"] === undefined ? undefined : Number(req.headers["content-length"]);
  if (req.httpVersionMajor >= 2 && endedWithHead(req)) return { kind: "none" };
  if (req.httpVersionMajor >= 2 && length === undefined) return { kind: "stream" };
  if (te === undefined && (length === undefined || length === 0)) return { kind: "none" };
  if (length !== undefined && length > maxBodyBytes) return { kind: "too-large" };
  if (te === undefined && length !== undefined && length <= maxReplayableBytes) {
    return { kind: "buffer", length };
  }
  return { kind: "stream" };
}

/** An HTTP/2 request whose stream ended with its head (Http2Stream.endAfterHeaders). */
function endedWithHead(req: IncomingMessage): boolean {
  return (
    (req as IncomingMessage & { stream?: { endAfterHeaders?: boolean } }).stream
      ?.endAfterHeaders === true
  );
}

/** The body_too_large failure for a cap of `max` bytes. */
export function tooLarge(max: number): GatewayError {
  return new GatewayError("body_too_large", `request body over ${max} bytes`, {
    cause: new RangeError("body cap"),
  });
}

/** Reads a body of known, small length into one buffer; a deadline the watch sees fails it. */
export function readBody(
  req: IncomingMessage,
  length: number,
  max: number,
  watch: BodyWatch,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cap = Math.min(max, length);
    const fail = (error: Error) => {
      req.off("data", onData);
      req.pause();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      watch.progress(chunk.length);
      if (size > cap) return fail(tooLarge(cap));
      chunks.push(chunk);
    };
    watch.onExpired(fail);
    req.on("data", onData);
    req.once("end", () => resolve(Buffer.concat(chunks, size)));
    req.once("error", fail);
  });
}

/**
 * Passes the body through, failing with body_too_large once it grows past `max` bytes, or with
 * the watch's request_timeout when the client stops sending or sends too slowly.
 */
export function capBody(req: IncomingMessage, max: number, watch: BodyWatch): Transform {
  let size = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      watch.progress(chunk.length);
      done(size > max ? tooLarge(max) : null, chunk);
    },
  });
  req.on("error", (error) => cap.destroy(error));
  watch.onExpired((error) => {
    req.unpipe(cap);
    cap.destroy(error);
  });
  return req.pipe(cap);
}
