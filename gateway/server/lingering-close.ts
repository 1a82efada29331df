/**
 * Lingering close (nginx `lingering_close`, Apache's lingering close): after an early answer
 * (400, 408, 413, 431 while the client is still sending), the connection is not closed at
 * once: the answer goes out, the write side is shut (FIN), and what the client still sends is
 * read and discarded for at most `lingeringTimeMs` and `lingeringBytes`, or until the client
 * closes. Closing a socket with unread bytes makes the kernel send a reset, and a client
 * that gets the reset before it read the answer never sees the answer.
 *
 * Node's http server ends a `Connection: close` response with `socket.destroySoon()`
 * (lib/_http_server.js, resOnFinish); `lingerOnClose` replaces it on that one socket, so the
 * server's own bookkeeping runs unchanged. limits.test.ts holds this to Node's behaviour.
 */
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";

export interface LingerLimits {
  /** 0: close at once. */
  readonly lingeringTimeMs: number;
  readonly lingeringBytes: number;
}

const LINGERING = Symbol("lingering");

type Lingerable = Duplex & { [LINGERING]?: true; bytesRead?: number };

/** True once the socket is lingering: any request still parsed on it is not served. */
export function isLingering(socket: Duplex): boolean {
  return (socket as Lingerable)[LINGERING] === true;
}

/** When Node closes this request's connection after the answer, it lingers instead. */
export function lingerOnClose(req: IncomingMessage, limits: LingerLimits): void {
  if (limits.lingeringTimeMs === 0) return;
  const socket = req.socket as Socket;
  socket.destroySoon = () => {
    req.resume(); // the unread rest of the body is discarded as it comes
    linger(socket, limits);
  };
}

/** Shuts the write side after what was written, reads and discards, then destroys. */
export function linger(socket: Duplex, limits: LingerLimits): void {
  const s = socket as Lingerable;
  if (s[LINGERING] || s.destroyed) return;
  if (limits.lingeringTimeMs === 0) {
    s.destroy();
    return;
  }
  s[LINGERING] = true;
  const startBytes = s.bytesRead ?? 0;
  const deadline = setTimeout(() => s.destroy(), limits.lingeringTimeMs);
  // The http parser may be reading the socket itself (no 'data' events): watch the count.
  const meter = setInterval(() => {
    if ((s.bytesRead ?? 0) - startBytes > limits.lingeringBytes) s.destroy();
  }, 50);
  s.once("close", () => {
    clearTimeout(deadline);
    clearInterval(meter);
  });
  s.on("error", () => s.destroy());
  s.end();
  s.resume();
}
