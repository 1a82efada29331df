/**
 * Server-Sent Events for the ops view, bounded in every direction:
 *
 * - **Streams**: at most `maxStreams` open at once over every channel; one more is refused
 *   (the caller answers 503) rather than queued.
 * - **Work**: one timer per channel, running only while a stream listens. Each tick produces
 *   the view once for every stream of the channel, and is skipped while the last one is still
 *   being produced (a slow fleet fetch never piles up). A view equal to the last one sent is
 *   not sent again (a tick is not a change); a comment line goes out instead once
 *   `heartbeatMs` passed without an event, so proxies and the browser see the stream alive.
 * - **Memory**: a client that reads slowly holds at most one event in the socket's buffer and
 *   one pending: while the buffer is full (`writableNeedDrain`) a newer view replaces the
 *   pending one (coalesced: every event is a whole view, so nothing is lost but the steps in
 *   between). A client that reads nothing for `stallMs` is cut.
 *
 * Each event is `event: view`, an increasing `id`, and the view as one line of JSON.
 */
import type { ServerResponse } from "node:http";

export interface StreamSettings {
  /** A comment line after this long without an event, ms. */
  readonly heartbeatMs: number;
  /** Open streams at most, over every channel. */
  readonly maxStreams: number;
  /** A stream whose client has read nothing for this long is closed, ms. */
  readonly stallMs: number;
  /** The reconnection delay the browser is told (`retry:`), ms. */
  readonly retryMs: number;
}

/** Produces a channel's current view (anything JSON can carry). */
export type Producer = () => Promise<unknown>;

/** A channel: its view, and how often it is produced while a stream listens (ms). */
export interface ChannelSource {
  readonly produce: Producer;
  readonly intervalMs: number;
}

export interface EventHub {
  /** Serves `res` as a stream of the channel's views; false (nothing written) when full. */
  open(channel: string, res: ServerResponse): boolean;
  /** Streams open now. */
  count(): number;
  /** Ends every stream and stops every timer. */
  close(): void;
}

interface Stream {
  readonly res: ServerResponse;
  pending: string | undefined;
  stalledSince: number | undefined;
}

interface Channel {
  readonly streams: Set<Stream>;
  timer: NodeJS.Timeout | undefined;
  producing: boolean;
  lastData: string | undefined;
  lastEventAt: number;
}

export function eventHub(
  sources: Readonly<Record<string, ChannelSource>>,
  settings: StreamSettings,
  onError: (channel: string, error: Error) => void,
  now: () => number = Date.now,
): EventHub {
  const channels = new Map<string, Channel>();
  let open = 0;
  let nextId = 1;
  let closed = false;

  const tick = async (name: string, channel: Channel, produce: Producer) => {
    cutStalled(channel, settings.stallMs, now());
    if (channel.producing || channel.streams.size === 0) return;
    channel.producing = true;
    let data: string | undefined;
    try {
      data = JSON.stringify(await produce());
    } catch (error) {
      onError(name, error as Error);
    } finally {
      channel.producing = false;
    }
    if (channel.streams.size === 0) return;
    if (data !== undefined && data !== channel.lastData) {
      channel.lastData = data;
      channel.lastEventAt = now();
      const event = `event: view\nid: ${nextId++}\ndata: ${data}\n\n`;
      for (const stream of channel.streams) deliver(stream, event, now());
    } else if (now() - channel.lastEventAt >= settings.heartbeatMs) {
      channel.lastEventAt = now();
      for (const stream of channel.streams)
        if (!stream.res.writableNeedDrain) stream.res.write(": keep-alive\n\n");
    }
  };

  return {
    open(name, res) {
      const source = sources[name];
      if (closed || !source || open >= settings.maxStreams) return false;
      const channel = channelOf(channels, name);
      const stream: Stream = { res, pending: undefined, stalledSince: undefined };
      open += 1;
      channel.streams.add(stream);
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        "x-accel-buffering": "no",
      });
      res.write(`retry: ${settings.retryMs}\n\n`);
      res.on("drain", () => {
        const { pending } = stream;
        stream.pending = undefined;
        stream.stalledSince = undefined;
        if (pending !== undefined) deliver(stream, pending, now());
      });
      res.once("close", () => {
        if (!channel.streams.delete(stream)) return;
        open -= 1;
        if (channel.streams.size === 0) stop(channel);
      });
      if (channel.timer === undefined) {
        const run = () => void tick(name, channel, source.produce);
        channel.timer = setInterval(run, source.intervalMs);
        run();
      } else if (channel.lastData !== undefined)
        deliver(stream, `event: view\nid: ${nextId++}\ndata: ${channel.lastData}\n\n`, now());
      return true;
    },
    count: () => open,
    close() {
      closed = true;
      for (const channel of channels.values()) {
        stop(channel);
        for (const stream of channel.streams) stream.res.destroy();
      }
    },
  };
}

function channelOf(channels: Map<string, Channel>, name: string): Channel {
  let channel = channels.get(name);
  if (!channel) {
    channel = {
      streams: new Set(),
      timer: undefined,
      producing: false,
      lastData: undefined,
      lastEventAt: 0,
    };
    channels.set(name, channel);
  }
  return channel;
}

/** No listener: the timer stops and the last view is forgotten (it would be stale). */
function stop(channel: Channel): void {
  clearInterval(channel.timer);
  channel.timer = undefined;
  channel.lastData = undefined;
}

/** Writes now, or keeps the newest event pending while the client has not read the last. */
function deliver(stream: Stream, event: string, at: number): void {
  if (stream.res.writableNeedDrain) {
    stream.pending = event;
    stream.stalledSince ??= at;
    return;
  }
  if (!stream.res.write(event)) stream.stalledSince ??= at;
}

function cutStalled(channel: Channel, stallMs: number, at: number): void {
  for (const stream of channel.streams)
    if (stream.stalledSince !== undefined && at - stream.stalledSince >= stallMs)
      stream.res.destroy();
}
