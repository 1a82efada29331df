/**
 * What a request's connection says about it: the scheme the client used (`https` over the TLS
 * listener), the TLS version and the ALPN protocol (for the access log), and whether the
 * client presented a certificate the client CA verified (a service's `clientCertificate`
 * policy). An HTTP/2 request's `socket` is Node's proxy for its connection's TLS socket, so
 * the same reads serve both protocols. Plain connections have none of the TLS facts.
 *
 * The facts are the connection's, so they are read once per connection (kept by its socket, or
 * an HTTP/2 request's session): every stream of a multiplexed connection shares them.
 */
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";

export interface ConnectionFacts {
  readonly proto: "http" | "https";
  /** `TLSv1.3`, `TLSv1.2`; absent on a plain connection. */
  readonly tls?: string;
  /** `h2`, `http/1.1`; absent on a plain connection (or a TLS client that sent no ALPN). */
  readonly alpn?: string;
  /** A client certificate was presented and verified against tls.clientCa. */
  readonly clientCertVerified: boolean;
}

const PLAIN: ConnectionFacts = Object.freeze({ proto: "http", clientCertVerified: false });

const known = new WeakMap<object, ConnectionFacts>();

export function connectionFacts(req: IncomingMessage): ConnectionFacts {
  const session = (req as IncomingMessage & { stream?: { session?: object } }).stream?.session;
  const key: object | undefined = session ?? req.socket ?? undefined;
  if (key === undefined) return PLAIN;
  let facts = known.get(key);
  if (facts === undefined) {
    facts = readFacts(req);
    known.set(key, facts);
  }
  return facts;
}

function readFacts(req: IncomingMessage): ConnectionFacts {
  const socket = req.socket as Partial<TLSSocket> | null;
  if (!socket?.encrypted) return PLAIN;
  const version = socket.getProtocol?.() ?? undefined;
  const alpn = socket.alpnProtocol;
  return {
    proto: "https",
    ...(version && { tls: version }),
    ...(typeof alpn === "string" && { alpn }),
    clientCertVerified: socket.authorized === true,
  };
}

/** Over HTTP/2 (Node's compatibility request), where per-connection rules do not apply. */
export const isHttp2 = (req: IncomingMessage): boolean => req.httpVersionMajor >= 2;
