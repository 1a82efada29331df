/**
 * A test world whose gateway listens for TLS too: certificates from the test CA (test-pki.ts),
 * and clients that trust it — undici over HTTP/1.1 (`httpsGet`), node:http2 (`h2Request`), and
 * a raw TLS connect that reports what was negotiated (`handshake`).
 */
import {
  type ClientHttp2Session,
  connect as h2Connect,
  type IncomingHttpHeaders,
} from "node:http2";
import { type TLSSocket, connect as tlsConnect } from "node:tls";
import { Agent, request } from "undici";
import type { IssuedPair } from "../demo/local-ca.ts";
import { startTestWorld, type TestWorld, type TestWorldOptions } from "./fixtures.ts";
import { caPem, testPair } from "./test-pki.ts";

/** The default pair: localhost, 127.0.0.1 and *.example.test (ECDSA). */
export function defaultPair(): IssuedPair {
  return testPair("gateway-ec", { hosts: ["localhost", "*.example.test", "127.0.0.1"] });
}

export interface TlsWorld extends TestWorld {
  /** The first gateway's TLS listener (`https://127.0.0.1:port`). */
  readonly tlsUrl: string;
  /** The same as `https://localhost:port`: the name its default certificate and policy carry. */
  readonly localUrl: string;
  readonly port: number;
}

/** A test world with `tls.enabled`, the default pair (or `tls.certificates` given). */
export async function startTlsWorld(
  options: TestWorldOptions & { readonly tls?: Record<string, unknown> },
): Promise<TlsWorld> {
  const pair = defaultPair();
  const tls = {
    enabled: true,
    listen: { host: "127.0.0.1", port: 0 },
    certificates: [{ cert: pair.cert, key: pair.key }],
    ...options.tls,
  };
  const world = await startTestWorld({ ...options, boot: { ...options.boot, tls } });
  const first = [...world.gateways.values()][0];
  const tlsUrl = first?.tlsUrl;
  if (!tlsUrl) {
    await world.close();
    throw new Error("the gateway has no TLS listener");
  }
  const port = Number(new URL(tlsUrl).port);
  return { ...world, tlsUrl, localUrl: `https://localhost:${port}`, port };
}

/** An undici dispatcher that trusts the test CA, HTTP/1.1 only (undici 8 would offer h2). */
export function trustingAgent(servername = "localhost"): Agent {
  return new Agent({ allowH2: false, connect: { ca: caPem(), servername } });
}

export interface H2Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly trailers: IncomingHttpHeaders;
}

/** An HTTP/2 session to `url` trusting the test CA, closed by the caller. */
export function h2Session(url: string, servername = "localhost"): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = h2Connect(url, { ca: caPem(), servername });
    session.once("connect", () => resolve(session));
    session.once("error", reject);
  });
}

/** One request on `session`; the body (if any) is sent as it is, without content-length. */
export function h2Request(
  session: ClientHttp2Session,
  headers: Record<string, string | string[]>,
  body?: string | Buffer,
): Promise<H2Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined });
    let answer: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on("response", (head) => {
      answer = head;
    });
    stream.on("trailers", (received) => {
      trailers = received;
    });
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () =>
      resolve({
        status: Number(answer[":status"]),
        headers: answer,
        body: Buffer.concat(chunks).toString(),
        trailers,
      }),
    );
    stream.on("error", reject);
    if (body !== undefined) stream.end(body);
  });
}

/** GET over HTTP/1.1 and TLS, trusting the test CA. */
export async function httpsGet(
  url: string,
  headers: Record<string, string> = {},
  servername = "localhost",
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const dispatcher = trustingAgent(servername);
  try {
    const res = await request(url, { headers, dispatcher });
    return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
  } finally {
    await dispatcher.close();
  }
}

export interface Negotiated {
  readonly protocol: string | null;
  readonly alpn: string | false | null;
  readonly fingerprint: string;
  readonly subjectAltName: string;
  readonly authorized: boolean;
}

/** A TLS handshake only: what was negotiated and which certificate the server showed. */
export function handshake(
  port: number,
  options: { servername?: string; alpn?: string[]; ca?: string; cert?: string; key?: string } = {},
): Promise<Negotiated> {
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = tlsConnect({
      host: "127.0.0.1",
      port,
      ca: options.ca ?? caPem(),
      ...(options.servername !== undefined && { servername: options.servername }),
      ALPNProtocols: options.alpn ?? ["h2", "http/1.1"],
      rejectUnauthorized: false,
      ...(options.cert && { cert: options.cert, key: options.key }),
    });
    socket.once("secureConnect", () => {
      const peer = socket.getPeerCertificate();
      resolve({
        protocol: socket.getProtocol(),
        alpn: socket.alpnProtocol,
        fingerprint: peer.fingerprint256,
        subjectAltName: peer.subjectaltname ?? "",
        authorized: socket.authorized,
      });
      socket.end();
    });
    socket.once("error", reject);
  });
}
