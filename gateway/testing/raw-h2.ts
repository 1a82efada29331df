/**
 * HTTP/2 frame by frame over TLS (ALPN h2), for what node:http2's client will not send: resets
 * in a burst, floods of PING, SETTINGS or empty DATA frames, endless CONTINUATION, more
 * streams than allowed. RFC 9113 §4 framing; header blocks in HPACK (RFC 7541) as literal
 * fields without indexing and without Huffman coding, which every decoder must accept.
 * Test-only.
 */
import { connect, type TLSSocket } from "node:tls";
import { caPem } from "./test-pki.ts";

export const FRAME = {
  DATA: 0x0,
  HEADERS: 0x1,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

export const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4 } as const;

export const ERROR = { NO_ERROR: 0x0, CANCEL: 0x8, REFUSED_STREAM: 0x7, ENHANCE_YOUR_CALM: 0xb };

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

export interface Frame {
  readonly type: number;
  readonly flags: number;
  readonly stream: number;
  readonly payload: Buffer;
}

export function frame(
  type: number,
  flags: number,
  stream: number,
  payload: Uint8Array = Buffer.alloc(0),
): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head.writeUInt8(type, 3);
  head.writeUInt8(flags, 4);
  head.writeUInt32BE(stream & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}

/** An HPACK integer with an `prefix`-bit prefix, its first byte or'ed with `mask`. */
function hpackInt(value: number, prefix: number, mask: number): Buffer {
  const max = (1 << prefix) - 1;
  if (value < max) return Buffer.from([mask | value]);
  const bytes = [mask | max];
  let rest = value - max;
  while (rest >= 128) {
    bytes.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function hpackString(text: string): Buffer {
  const bytes = Buffer.from(text);
  return Buffer.concat([hpackInt(bytes.length, 7, 0), bytes]);
}

/** A header block: each field a literal without indexing, new name (RFC 7541 §6.2.2). */
export function headerBlock(fields: readonly (readonly [string, string])[]): Buffer {
  return Buffer.concat(
    fields.flatMap(([name, value]) => [Buffer.from([0]), hpackString(name), hpackString(value)]),
  );
}

/** The pseudo-headers of a request to the test world (`https`, `localhost`). */
export function requestFields(
  path = "/",
  method = "GET",
  extra: readonly (readonly [string, string])[] = [],
): (readonly [string, string])[] {
  return [
    [":method", method],
    [":scheme", "https"],
    [":authority", "localhost"],
    [":path", path],
    ...extra,
  ];
}

export function headers(
  stream: number,
  block: Buffer,
  endStream = true,
  endHeaders = true,
): Buffer {
  const flags = (endStream ? FLAG.END_STREAM : 0) | (endHeaders ? FLAG.END_HEADERS : 0);
  return frame(FRAME.HEADERS, flags, stream, block);
}

export function rstStream(stream: number, code = ERROR.CANCEL): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(code);
  return frame(FRAME.RST_STREAM, 0, stream, payload);
}

export function settings(entries: readonly (readonly [number, number])[] = []): Buffer {
  const payload = Buffer.alloc(entries.length * 6);
  entries.forEach(([id, value], i) => {
    payload.writeUInt16BE(id, i * 6);
    payload.writeUInt32BE(value, i * 6 + 2);
  });
  return frame(FRAME.SETTINGS, 0, 0, payload);
}

export function ping(data = Buffer.alloc(8)): Buffer {
  return frame(FRAME.PING, 0, 0, data);
}

export interface RawH2 {
  readonly socket: TLSSocket;
  send(...frames: Buffer[]): void;
  /** Frames received so far. */
  frames(): readonly Frame[];
  /** The GOAWAY's error code once one arrives, or null when the connection closes without. */
  readonly goaway: Promise<number | null>;
  /** Resolves once the server closed the connection (or it broke). */
  readonly closed: Promise<void>;
  close(): void;
}

/** Connects, sends the preface and empty SETTINGS, and acknowledges the server's SETTINGS. */
export function rawH2(port: number, servername = "localhost"): Promise<RawH2> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: "127.0.0.1",
      port,
      servername,
      ca: caPem(),
      ALPNProtocols: ["h2"],
    });
    const received: Frame[] = [];
    let buffer = Buffer.alloc(0);
    let sawGoaway: (code: number | null) => void = () => {};
    const goaway = new Promise<number | null>((done) => {
      sawGoaway = done;
    });
    const closed = new Promise<void>((done) =>
      socket.once("close", () => {
        sawGoaway(null);
        done();
      }),
    );
    socket.on("error", () => socket.destroy());
    socket.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 9) {
        const length = buffer.readUIntBE(0, 3);
        if (buffer.length < 9 + length) break;
        const parsed: Frame = {
          type: buffer.readUInt8(3),
          flags: buffer.readUInt8(4),
          stream: buffer.readUInt32BE(5) & 0x7fffffff,
          payload: buffer.subarray(9, 9 + length),
        };
        buffer = buffer.subarray(9 + length);
        received.push(parsed);
        if (parsed.type === FRAME.SETTINGS && !(parsed.flags & FLAG.ACK))
          socket.write(frame(FRAME.SETTINGS, FLAG.ACK, 0));
        if (parsed.type === FRAME.GOAWAY) sawGoaway(parsed.payload.readUInt32BE(4));
      }
    });
    socket.once("secureConnect", () => {
      if (socket.alpnProtocol !== "h2") return reject(new Error("h2 was not negotiated"));
      socket.write(Buffer.concat([PREFACE, settings()]));
      resolve({
        socket,
        send: (...frames) => void socket.write(Buffer.concat(frames)),
        frames: () => received,
        goaway,
        closed,
        close: () => socket.destroy(),
      });
    });
    socket.once("error", reject);
  });
}
