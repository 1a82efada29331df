/**
 * A raw TCP conversation with a gateway, for tests that must control each byte and its timing
 * (a trickled head or body, a client that stops reading, one still sending when answered).
 * Test-only; every socket is destroyed by `t.after`.
 */
import { connect, type Socket } from "node:net";
import { eventually } from "./fixtures.ts";

export interface Conversation {
  readonly socket: Socket;
  /** Everything received so far, as latin1 text. */
  readonly received: () => string;
  /** The code of the error the socket failed with (ECONNRESET, EPIPE, …), if it did. */
  readonly failure: () => string | undefined;
  /** Resolves with the ms from connect to close; rejects after `boundMs`. */
  readonly closed: (boundMs: number) => Promise<number>;
}

export function openConversation(
  t: { after: (fn: () => void) => void },
  url: string,
): Conversation {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const started = Date.now();
  let text = "";
  let failure: string | undefined;
  socket.on("data", (chunk: Buffer) => {
    text += chunk.toString("latin1");
  });
  socket.on("error", (error: NodeJS.ErrnoException) => {
    failure ??= error.code ?? error.message;
  });
  const done = new Promise<number>((resolve) =>
    socket.once("close", () => resolve(Date.now() - started)),
  );
  t.after(() => socket.destroy());
  return {
    socket,
    received: () => text,
    failure: () => failure,
    closed: (boundMs) =>
      Promise.race([
        done,
        new Promise<never>((_, reject) =>
          setTimeout(
            () => reject(new Error(`socket still open after ${boundMs} ms`)),
            boundMs,
          ).unref(),
        ),
      ]),
  };
}

/** Calls `write` every `everyMs` while the socket is writable; returns the stop function. */
export function keepWriting(
  socket: Socket,
  everyMs: number,
  write: (i: number) => string,
): () => void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.writable) socket.write(write(i++));
  }, everyMs);
  socket.once("close", () => clearInterval(timer));
  return () => clearInterval(timer);
}

/** `eventually` with the condition first: polls `check`, fails after `timeoutMs` (a bound). */
export const waitFor = (check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> =>
  eventually(check, timeoutMs, what);
