/**
 * The one HTTP path to Consul: a small typed client on undici for every call the gateway makes
 * (blocking reads, KV check-and-set, agent registration, coordinates, status). One dispatcher
 * carries the TLS material, one place sets the token, and every answer comes with Consul's own
 * headers read (X-Consul-Index, -KnownLeader, -LastContact, -Results-Filtered-By-ACLs), so a
 * caller can tell "empty" from "hidden" and "answered" from "a proxy's 404".
 *
 * Why not the `consul` npm client: it hides the response headers unless driven with an
 * undocumented `ctx.includeResponse` flag, has no coordinate endpoint (so a second client with
 * its own TLS and token existed), and turns a 403 and a 404 alike into "no value". The HTTP API
 * the gateway needs is a dozen calls; owning them costs less than guarding a private flag.
 */
import { Agent, type Dispatcher, request } from "undici";
import { type ConsulConnection, consulBaseUrl, consulTlsOptions } from "./consul-connection.ts";

/** An answer larger than this is refused (Consul's own KV values stop at 512 KiB). */
export const MAX_ANSWER_BYTES = 8 * 1024 * 1024;
/** A call that is not a blocking read gives up after this long, ms. */
export const CALL_TIMEOUT_MS = 10_000;

export interface ConsulAnswer {
  readonly status: number;
  /** X-Consul-Index; undefined when the answer has none (not Consul's word, or a write). */
  readonly index: number | undefined;
  readonly knownLeader: boolean | undefined;
  readonly lastContactMs: number | undefined;
  /** X-Consul-Results-Filtered-By-ACLs (Consul ≥ 1.11): the list hides what the token may not read. */
  readonly filteredByAcls: boolean;
  readonly text: string;
}

export type QueryValue = string | number | boolean | undefined;

export interface ConsulCall {
  readonly method?: "GET" | "PUT" | "DELETE";
  /** The path, already encoded, e.g. `/v1/kv/gateway/flags/znz`. */
  readonly path: string;
  /** `true` sends a bare flag (`?recurse`); `false` and undefined send nothing. */
  readonly query?: Readonly<Record<string, QueryValue>>;
  readonly body?: string;
  /** A token for this call only (an operator's, for a write); default the connection's. */
  readonly token?: string | undefined;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

export interface ConsulHttp {
  call(call: ConsulCall): Promise<ConsulAnswer>;
  close(): Promise<void>;
}

/** A call that got no answer (connection refused, reset, timeout) or an answer refused here. */
export class ConsulUnreachableError extends Error {
  /** The connection was refused: the agent is down or restarting (a quick retry pays off). */
  readonly refused: boolean;
  constructor(message: string, refused: boolean, options?: ErrorOptions) {
    super(message, options);
    this.refused = refused;
  }
}

/** Consul answered, but not with what the caller can use (a 5xx, a 403, an unexpected 404). */
export class ConsulStatusError extends Error {
  readonly status: number;
  constructor(what: string, answer: Pick<ConsulAnswer, "status" | "text">) {
    super(`${what}: Consul answered ${answer.status} ${answer.text.slice(0, 200).trim()}`);
    this.status = answer.status;
  }
}

export function consulHttp(connection: ConsulConnection = {}): ConsulHttp {
  const base = consulBaseUrl(connection);
  const tls = consulTlsOptions(connection);
  const dispatcher: Dispatcher = new Agent({
    keepAliveTimeout: 30_000,
    ...(Object.keys(tls).length > 0 && { connect: tls }),
  });
  return {
    call: (call) => send(base, dispatcher, connection.token, call),
    close: () => dispatcher.close(),
  };
}

/** `?a=1&recurse` from a query object (bare flags for `true`). */
export function queryString(query: Readonly<Record<string, QueryValue>> = {}): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === false) continue;
    const key = encodeURIComponent(name);
    parts.push(value === true ? key : `${key}=${encodeURIComponent(String(value))}`);
  }
  return parts.length === 0 ? "" : `?${parts.join("&")}`;
}

async function send(
  base: URL,
  dispatcher: Dispatcher,
  defaultToken: string | undefined,
  call: ConsulCall,
): Promise<ConsulAnswer> {
  const url = new URL(`${call.path}${queryString(call.query)}`, base);
  const token = call.token ?? defaultToken;
  const timeout = call.timeoutMs ?? CALL_TIMEOUT_MS;
  let res: Dispatcher.ResponseData;
  try {
    res = await request(url, {
      method: call.method ?? "GET",
      dispatcher,
      headers: token ? { "x-consul-token": token } : {},
      ...(call.body !== undefined && { body: call.body }),
      ...(call.signal && { signal: call.signal }),
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new ConsulUnreachableError(
      `${call.method ?? "GET"} ${call.path}: ${(error as Error).message}`,
      code === "ECONNREFUSED",
      { cause: error },
    );
  }
  const text = await boundedText(res.body);
  const header = (name: string): string | undefined => {
    const value = res.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const index = header("x-consul-index");
  const leader = header("x-consul-knownleader");
  const contact = header("x-consul-lastcontact");
  return {
    status: res.statusCode,
    index: index !== undefined && /^\d+$/.test(index) ? Number(index) : undefined,
    knownLeader: leader === undefined ? undefined : leader === "true",
    lastContactMs: contact !== undefined && /^\d+$/.test(contact) ? Number(contact) : undefined,
    filteredByAcls: header("x-consul-results-filtered-by-acls") === "true",
    text,
  };
}

async function boundedText(body: Dispatcher.ResponseData["body"]): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_ANSWER_BYTES) {
      body.destroy();
      throw new ConsulUnreachableError(`an answer over ${MAX_ANSWER_BYTES} bytes`, false);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Parses an answer's JSON body; a body that is not JSON is Consul misbehaving (a throw). */
export function answerJson<T>(answer: ConsulAnswer, what: string): T {
  try {
    return JSON.parse(answer.text) as T;
  } catch {
    throw new ConsulStatusError(`${what}: not JSON`, answer);
  }
}

/** Where and how long one blocking read waits, and the signal that cancels it. */
export interface BlockingRead {
  readonly path: string;
  readonly query?: Readonly<Record<string, QueryValue>>;
  readonly datacenter: string;
  readonly index: number;
  readonly waitMs: number;
  readonly signal: AbortSignal;
}

/**
 * One stale blocking read (`?dc=&stale&index=&wait=`): any server answers, which keeps routing
 * informed while a cluster has no leader, and a remote datacenter's read is forwarded over the
 * WAN by the local agent. Consul may hold it wait + wait/16; past that (and a margin) it is lost.
 */
export function blockingRead(http: ConsulHttp, read: BlockingRead): Promise<ConsulAnswer> {
  return http.call({
    path: read.path,
    query: {
      ...read.query,
      dc: read.datacenter,
      stale: true,
      index: read.index,
      wait: `${read.waitMs}ms`,
    },
    signal: read.signal,
    timeoutMs: read.waitMs + read.waitMs / 16 + 5_000,
  });
}

/** `GET /v1/status/leader?dc=`: resolves true once the datacenter answers at all (a probe). */
export async function datacenterAnswers(
  http: ConsulHttp,
  datacenter: string,
  signal: AbortSignal,
): Promise<boolean> {
  try {
    const answer = await http.call({
      path: "/v1/status/leader",
      query: { dc: datacenter },
      signal,
      timeoutMs: 2_000,
    });
    return answer.status === 200;
  } catch {
    return false;
  }
}
