/**
 * The link over Node's IPC channel between the cluster primary and one worker: the worker's
 * end over `process.send`, the primary's over `worker.send`. Messages are structured clones
 * (cluster is set up with `serialization: "advanced"`); a closed channel drops what is sent.
 */
import type { Worker } from "node:cluster";
import type { Channel, FromWorker, ToControl, ToData, ToWorker } from "./link.ts";

/** The worker's end: the data plane's channel, plus the worker's own messages. */
export function workerEnd(): {
  channel: Channel<ToControl, ToData>;
  send(message: FromWorker): void;
  onBoot(handler: (message: Extract<ToWorker, { kind: "boot" }>) => void): void;
} {
  const handlers: ((message: ToData) => void)[] = [];
  const closed: (() => void)[] = [];
  const boots: ((message: Extract<ToWorker, { kind: "boot" }>) => void)[] = [];
  // A send races the channel closing: the error (EPIPE) goes to the callback, not to an
  // uncaught 'error'; the close itself is told through 'disconnect'.
  const send = (message: FromWorker) => {
    if (process.connected) process.send?.(message, undefined, undefined, ignore);
  };
  process.on("message", (message: ToWorker) => {
    if (message.kind === "boot") for (const handler of boots) handler(message);
    else for (const handler of handlers) handler(message);
  });
  process.once("disconnect", () => {
    for (const handler of closed) handler();
  });
  return {
    channel: {
      send,
      onMessage: (handler) => void handlers.push(handler),
      onClose: (handler) => void closed.push(handler),
    },
    send,
    onBoot: (handler) => void boots.push(handler),
  };
}

/** The primary's end for one worker: what Followers needs. */
export function primaryEnd(worker: Worker): Channel<ToData, ToControl> {
  let open = true;
  const closed: (() => void)[] = [];
  const close = () => {
    if (!open) return;
    open = false;
    for (const handler of closed) handler();
  };
  worker.once("disconnect", close);
  worker.once("exit", close);
  worker.on("error", close);
  return {
    send: (message) => {
      if (open && worker.isConnected()) worker.send(message, undefined, ignore);
    },
    onMessage: (handler) =>
      void worker.on("message", (message: FromWorker) => {
        if (message.kind !== "hello" && message.kind !== "fatal") handler(message);
      }),
    onClose: (handler) => void closed.push(handler),
  };
}

/** A failed send: the channel is closing, and its close is handled where it is told. */
function ignore(): void {}
