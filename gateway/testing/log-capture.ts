/**
 * A pino logger whose lines a test can read back, parsed (test-only): what the access log and
 * the error log said, as objects.
 */
import { Writable } from "node:stream";
import pino, { type Logger } from "pino";

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface CapturedLog {
  readonly logger: Logger;
  /** Every line so far, parsed. */
  lines(): readonly LogLine[];
  /** The lines with this message. */
  said(msg: string): readonly LogLine[];
}

export function captureLog(): CapturedLog {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split("\n")) if (text) lines.push(JSON.parse(text));
      done();
    },
  });
  const logger = pino({ level: "info" }, sink);
  return { logger, lines: () => lines, said: (msg) => lines.filter((l) => l.msg === msg) };
}
