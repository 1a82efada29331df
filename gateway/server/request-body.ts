/**
 * The request body: none, buffered (small, so a retry can replay it, whatever the method:
 * even a POST is re-sent after a refused connect), or streamed through (one try only). The body cap holds both ways: a Content-Length over it is refused at once,
 * and a chunked body that grows past it is cut off with 413.
 */
import type { IncomingMessage } from "node:http";
import { Transform } from "node:stream";
import { GatewayError } from "../errors/error-catalogue.ts";

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
  if (te === undefined && (length === undefined || length === 0)) return { kind: "none" };
  if (length !== undefined && length > maxBodyBytes) return { kind: "too-large" };
  if (te === undefined && length !== undefined && length <= maxReplayableBytes) {
    return { kind: "buffer", length };
  }
  return { kind: "stream" };
}

/** The body_too_large failure for a cap of `max` bytes. */
export function tooLarge(max: number): GatewayError {
  return new GatewayError("body_too_large", `request body over ${max} bytes`, {
    cause: new RangeError("body cap"),
  });
}

/** Reads a body of known, small length into one buffer. */
export async function readBody(req: IncomingMessage, length: number, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > Math.min(max, length)) throw tooLarge(Math.min(max, length));
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

/** Passes the body through, failing with body_too_large once it grows past `max` bytes. */
export function capBody(req: IncomingMessage, max: number): Transform {
  let size = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      done(size > max ? tooLarge(max) : null, chunk);
    },
  });
  req.on("error", (error) => cap.destroy(error));
  return req.pipe(cap);
}
