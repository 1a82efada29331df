/**
 * The access log's lines, batched: each request appends its line (built by request-log.ts)
 * to a batch, and the batch goes to the logger's destination — pino's own stream, so the
 * file, the pipe and the asynchronous writer are the logger's — in one write when it holds
 * `maxBatchChars`, every `flushMs`, and on `flush()`. One write per batch instead of one per
 * line is most of what a line cost. Lines of the access log stay whole and in order among
 * themselves; other log lines (warnings) may come up to `flushMs` ahead of access lines
 * written before them (each line has its own time).
 *
 * Bounded: a batch never holds more than `maxBatchChars` before it is written.
 */
import pino, { type Logger } from "pino";

export interface AccessLogOptions {
  readonly maxBatchChars?: number;
  readonly flushMs?: number;
}

export class AccessLog {
  readonly #logger: Logger;
  readonly #write: (text: string) => void;
  readonly #maxBatchChars: number;
  readonly #timer: NodeJS.Timeout;
  readonly #prefix: () => string;
  #batch: string[] = [];
  #chars = 0;

  constructor(logger: Logger, options: AccessLogOptions = {}) {
    this.#logger = logger;
    this.#maxBatchChars = options.maxBatchChars ?? 16_384;
    const own = logger as Logger & Record<symbol, unknown>;
    const stream = own[pino.symbols.streamSym] as { write(text: string): unknown };
    const time = own[pino.symbols.timeSym] as () => string;
    const bindings = own[pino.symbols.chindingsSym] as string;
    this.#write = (text) => stream.write(text);
    // pino's `,"time":…` (its own clock setting) and the logger's bindings (site, worker).
    this.#prefix = () => `${time()}${bindings}`;
    this.#timer = setInterval(() => this.flush(), options.flushMs ?? 100);
    this.#timer.unref();
  }

  /** False when the logger would drop info lines (its level is above info). */
  get enabled(): boolean {
    return this.#logger.isLevelEnabled("info");
  }

  /** The text pino puts between `"level":30` and the fields: time and bindings. */
  prefix(): string {
    return this.#prefix();
  }

  append(line: string): void {
    this.#batch.push(line);
    this.#chars += line.length;
    if (this.#chars >= this.#maxBatchChars) this.flush();
  }

  flush(): void {
    if (this.#batch.length === 0) return;
    const text = this.#batch.length === 1 ? (this.#batch[0] as string) : this.#batch.join("");
    this.#batch = [];
    this.#chars = 0;
    this.#write(text);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.flush();
  }
}
