/**
 * HTTP/1.1 over a bare socket, for tests that send what fetch and node:http refuse to send
 * (smuggling shapes, absolute-form and CONNECT targets, a missing Host, upgrades).
 */
import { connect } from "node:net";

/**
 * Writes `request` on a fresh connection to `url` (http://host:port); resolves with all that
 * came back, as latin1 text, once the socket closes, or once `done(text)` holds (the socket is
 * then closed here). Rejects if neither happens within 5 s.
 */
export function rawExchange(
  url: string,
  request: string,
  done: (text: string) => boolean = () => false,
): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let text = "";
    const bound = setTimeout(() => {
      socket.destroy();
      reject(new Error(`socket still open after 5 s; got ${JSON.stringify(text)}`));
    }, 5_000);
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if (done(text)) socket.destroy();
    });
    socket.on("error", () => {}); // a reset after the answer is one way of closing
    socket.on("close", () => {
      clearTimeout(bound);
      resolve(text);
    });
    socket.write(request);
  });
}

export interface RawResponse {
  readonly status: number;
  /** Lower-case names; a repeated header keeps its last value. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
}

/** The status, headers and body of a raw response; throws when there is no complete head. */
export function parseRawResponse(raw: string): RawResponse {
  const end = raw.indexOf("\r\n\r\n");
  if (end < 0) throw new Error(`no response head; got ${JSON.stringify(raw.slice(0, 200))}`);
  const [statusLine = "", ...lines] = raw.slice(0, end).split("\r\n");
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { status: Number(statusLine.split(" ")[1]), headers, body: raw.slice(end + 4) };
}
