/**
 * What one HTTP/2 client connection is held to beyond Node's own session limits:
 *
 * - **Rapid reset** (CVE-2023-44487): streams the client resets before they are answered
 *   (RST_STREAM before the response head) are counted in one-second windows; past
 *   `maxClientResetsPerSecond` in a window the connection gets GOAWAY ENHANCE_YOUR_CALM and
 *   is closed. A stream the gateway resets itself (after its head: a send timeout, an
 *   upstream broken mid-body) is not the client's and does not count.
 * - **Idle**: no stream open for `idleTimeoutMs`: GOAWAY (NO_ERROR) and close. A flood of
 *   PINGs or SETTINGS opens no stream, so it does not keep a connection from being idle.
 * - **Age**: past `maxSessionMs` a graceful GOAWAY: open streams finish, new ones go to a new
 *   connection.
 * - **Connection window**: the whole connection's receive window, beyond the per-stream one.
 *
 * `onClosed` is told why the gateway closed a connection (the metric's reason), once.
 */
import { constants, type ServerHttp2Session, type ServerHttp2Stream } from "node:http2";

export interface SessionLimits {
  readonly maxClientResetsPerSecond: number;
  readonly idleTimeoutMs: number;
  readonly maxSessionMs: number;
  readonly connectionWindowBytes: number;
}

export type SessionCloseReason = "rapid_reset" | "idle" | "max_age";

const RESET_WINDOW_MS = 1_000;
const OFFENDER_LINGER_MS = 1_000;

export function guardSession(
  session: ServerHttp2Session,
  limits: SessionLimits,
  onClosed: (reason: SessionCloseReason) => void,
  now: () => number = performance.now.bind(performance),
): void {
  let open = 0;
  let windowStart = now();
  let resets = 0;
  let idle: NodeJS.Timeout | undefined;
  let closing = false;
  const close = (reason: SessionCloseReason, code = constants.NGHTTP2_NO_ERROR) => {
    if (closing || session.destroyed) return;
    closing = true;
    onClosed(reason);
    // A graceful close lets the open streams finish. An offender gets GOAWAY with the code,
    // no new stream, and OFFENDER_LINGER_MS before the connection is cut; meanwhile what it
    // still sends is read and dropped (Node reads a closing session's socket): closing on
    // unread bytes would reset the connection, and the client could lose the GOAWAY that
    // says why (lingering close, as for HTTP/1.1).
    if (code !== constants.NGHTTP2_NO_ERROR) {
      session.goaway(code);
      setTimeout(() => session.destroy(), OFFENDER_LINGER_MS).unref();
    }
    session.close();
  };
  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(() => close("idle"), limits.idleTimeoutMs).unref();
  };
  const age = setTimeout(() => close("max_age"), limits.maxSessionMs).unref();
  const reset = () => {
    const at = now();
    if (at - windowStart >= RESET_WINDOW_MS) {
      windowStart = at;
      resets = 0;
    }
    resets += 1;
    if (resets > limits.maxClientResetsPerSecond)
      close("rapid_reset", constants.NGHTTP2_ENHANCE_YOUR_CALM);
  };
  session.on("stream", (stream: ServerHttp2Stream) => {
    open += 1;
    clearTimeout(idle);
    stream.once("aborted", () => {
      if (!stream.headersSent) reset();
    });
    stream.once("close", () => {
      open -= 1;
      if (open === 0) armIdle();
    });
  });
  session.once("close", () => {
    clearTimeout(idle);
    clearTimeout(age);
  });
  armIdle();
  widenWindow(session, limits.connectionWindowBytes);
}

/** The connection-level receive window, once the session is set up. */
function widenWindow(session: ServerHttp2Session, bytes: number): void {
  const apply = () => {
    if (!session.destroyed) session.setLocalWindowSize(bytes);
  };
  if (session.connecting) session.once("connect", apply);
  else apply();
}
