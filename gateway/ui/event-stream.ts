/**
 * Server-Sent Events for the ops view, bounded in every direction:
 *
 * - **Streams**: at most `maxStreams` open at once over every channel; one more is refused
 *   (the caller answers 503) rather than queued.
 * - **Work**: one timer per channel, running only while a stream listens. Each tick produces
 *   the view once for every stream of the channel, and is skipped while the last one is still
 *   being produced (a slow fleet fetch never piles up). `poke` (the state changed) produces
 *   every listened channel's view at once, without waiting for its interval: pokes within
 *   `POKE_DELAY_MS` are one, and a poke during a production runs one more after it. A view
 *   equal to the last one sent is not sent again (a tick is not a change); a comment line goes
 *   out instead once `heartbeatMs` passed without an event, so proxies and the browser see
 *   the stream alive.
 * - **Memory**: a client that reads slowly holds at most one event in the socket's buffer and
 *   one pending: while the buffer is full (`writableNeedDrain`) a newer view replaces the
 *   pending one (coalesced: every event is a whole view, so nothing is lost but the steps in
 *   between). A client that reads nothing for `stallMs` is cut.
 *
 * Each event is `event: view`, an increasing `id`, and the view as one line of JSON.
 */
import type { ServerResponse } from "node:http";

/** Pokes this close together are one (a burst of state changes is one production). */
export const POKE_DELAY_MS = 50;

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
  /**
   * A poke produces the channel no sooner than this after its last production began; a
   * poke earlier waits for it (a channel whose production is costly — the fleet's, a request
   * to every gateway — is not produced at the rate the local state changes). Default 0.
   */
  readonly minPokeGapMs?: number;
}

interface Stream {
  readonly res: ServerResponse;
  pending: string | undefined;
  stalledSince: number | undefined;
}

interface Channel {
  readonly name: string;
  readonly source: ChannelSource;
  readonly streams: Set<Stream>;
  timer: NodeJS.Timeout | undefined;
  producing: boolean;
  /** Poked while producing: produce once more when done. */
  again: boolean;
  lastData: string | undefined;
  lastEventAt: number;
  /** When its last production began (the hub's clock). */
  producedAt: number;
  /** A poke waiting for minPokeGapMs to pass. */
  deferred: NodeJS.Timeout | undefined;
}

export class EventHub {
  readonly #sources: Readonly<Record<string, ChannelSource>>;
  readonly #settings: StreamSettings;
  readonly #onError: (channel: string, error: Error) => void;
  readonly #now: () => number;
  readonly #channels = new Map<string, Channel>();
  #open = 0;
  #nextId = 1;
  #closed = false;
  #poked: NodeJS.Timeout | undefined;

  constructor(
    sources: Readonly<Record<string, ChannelSource>>,
    settings: StreamSettings,
    onError: (channel: string, error: Error) => void,
    now: () => number = Date.now,
  ) {
    this.#sources = sources;
    this.#settings = settings;
    this.#onError = onError;
    this.#now = now;
  }

  /** Serves `res` as a stream of the channel's views; false (nothing written) when full. */
  open(name: string, res: ServerResponse): boolean {
    const channel = this.#channel(name);
    if (this.#closed || !channel || this.#open >= this.#settings.maxStreams) return false;
    const stream: Stream = { res, pending: undefined, stalledSince: undefined };
    this.#open += 1;
    channel.streams.add(stream);
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    });
    res.write(`retry: ${this.#settings.retryMs}\n\n`);
    res.on("drain", () => {
      const { pending } = stream;
      stream.pending = undefined;
      stream.stalledSince = undefined;
      if (pending !== undefined) deliver(stream, pending, this.#now());
    });
    res.once("close", () => this.#leave(channel, stream));
    if (channel.timer === undefined) {
      channel.timer = setInterval(() => void this.#tick(channel), channel.source.intervalMs);
      void this.#tick(channel);
    } else if (channel.lastData !== undefined)
      deliver(stream, this.#event(channel.lastData), this.#now());
    return true;
  }

  /** The state changed: produce every listened channel's view now. */
  poke(): void {
    // Nobody listening: nothing to produce (a stream that opens produces its own first view).
    if (this.#poked !== undefined || this.#closed || this.#open === 0) return;
    this.#poked = setTimeout(() => {
      this.#poked = undefined;
      for (const channel of this.#channels.values()) {
        if (channel.streams.size === 0 || channel.deferred !== undefined) continue;
        const wait = channel.producedAt + (channel.source.minPokeGapMs ?? 0) - this.#now();
        if (wait > 0) {
          channel.deferred = setTimeout(() => {
            channel.deferred = undefined;
            this.#produceNow(channel);
          }, wait);
        } else this.#produceNow(channel);
      }
    }, POKE_DELAY_MS);
  }

  /** Produces the channel now, or once more after the production in progress. */
  #produceNow(channel: Channel): void {
    if (channel.streams.size === 0 || this.#closed) return;
    if (channel.producing) channel.again = true;
    else void this.#tick(channel);
  }

  /** Streams open now. */
  count(): number {
    return this.#open;
  }

  /** Ends every stream and stops every timer. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#poked);
    for (const channel of this.#channels.values()) {
      stop(channel);
      for (const stream of channel.streams) stream.res.destroy();
    }
  }

  #channel(name: string): Channel | undefined {
    const known = this.#channels.get(name);
    const source = this.#sources[name];
    if (known || !source) return known;
    const channel: Channel = {
      name,
      source,
      streams: new Set(),
      timer: undefined,
      producing: false,
      again: false,
      lastData: undefined,
      lastEventAt: 0,
      producedAt: Number.NEGATIVE_INFINITY,
      deferred: undefined,
    };
    this.#channels.set(name, channel);
    return channel;
  }

  #leave(channel: Channel, stream: Stream): void {
    if (!channel.streams.delete(stream)) return;
    this.#open -= 1;
    if (channel.streams.size === 0) stop(channel);
  }

  async #tick(channel: Channel): Promise<void> {
    cutStalled(channel, this.#settings.stallMs, this.#now());
    if (channel.producing || channel.streams.size === 0) return;
    channel.producing = true;
    channel.producedAt = this.#now();
    let data: string | undefined;
    try {
      data = JSON.stringify(await channel.source.produce());
    } catch (error) {
      this.#onError(channel.name, error as Error);
    } finally {
      channel.producing = false;
    }
    this.#publish(channel, data);
    if (channel.again) {
      channel.again = false;
      return this.#tick(channel);
    }
  }

  /** A changed view to every stream; else, once `heartbeatMs` passed, a comment line. */
  #publish(channel: Channel, data: string | undefined): void {
    if (channel.streams.size === 0) return;
    const at = this.#now();
    if (data !== undefined && data !== channel.lastData) {
      channel.lastData = data;
      channel.lastEventAt = at;
      const event = this.#event(data);
      for (const stream of channel.streams) deliver(stream, event, at);
    } else if (at - channel.lastEventAt >= this.#settings.heartbeatMs) {
      channel.lastEventAt = at;
      // A heartbeat a stream cannot take is a stall too: a reader that reads nothing while
      // the view stays the same is cut like one that falls behind on changes.
      for (const stream of channel.streams)
        if (stream.res.writableNeedDrain || !stream.res.write(": keep-alive\n\n"))
          stream.stalledSince ??= at;
    }
  }

  #event(data: string): string {
    return `event: view\nid: ${this.#nextId++}\ndata: ${data}\n\n`;
  }
}

/** No listener: the timer stops and the last view is forgotten (it would be stale). */
function stop(channel: Channel): void {
  clearInterval(channel.timer);
  clearTimeout(channel.deferred);
  channel.deferred = undefined;
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
