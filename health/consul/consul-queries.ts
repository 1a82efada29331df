/**
 * Blocking queries through the `consul` client (a thin adapter, STYLE.md 10): its `ctx`
 * option makes it answer with the response (for X-Consul-Index and friends) and lets an
 * AbortSignal cancel a query that is waiting. Stale reads by default: any server answers,
 * which keeps routing informed while the cluster has no leader.
 */
import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import { Agent as HttpsAgent } from "node:https";
import Consul from "consul";
import type { BlockingAnswer } from "./blocking-loop.ts";
import type { ConsulHealthEntry } from "./service-health.ts";

export interface ConsulConnection {
  /** CONSUL_HTTP_ADDR: `host:port` or a URL (default http://127.0.0.1:8500). */
  readonly address?: string;
  /** CONSUL_HTTP_TOKEN. */
  readonly token?: string;
  /** CONSUL_HTTP_SSL=true: HTTPS even when the address has no scheme. */
  readonly https?: boolean;
  /** CONSUL_CACERT, CONSUL_CLIENT_CERT, CONSUL_CLIENT_KEY: PEM file paths (read at start). */
  readonly tls?: {
    readonly caFile?: string;
    readonly certFile?: string;
    readonly keyFile?: string;
  };
}

export function connectionFromEnv(env: NodeJS.ProcessEnv = process.env): ConsulConnection {
  const tls = {
    ...(env.CONSUL_CACERT && { caFile: env.CONSUL_CACERT }),
    ...(env.CONSUL_CLIENT_CERT && { certFile: env.CONSUL_CLIENT_CERT }),
    ...(env.CONSUL_CLIENT_KEY && { keyFile: env.CONSUL_CLIENT_KEY }),
  };
  return {
    ...(env.CONSUL_HTTP_ADDR && { address: env.CONSUL_HTTP_ADDR }),
    ...(env.CONSUL_HTTP_TOKEN && { token: env.CONSUL_HTTP_TOKEN }),
    ...(env.CONSUL_HTTP_SSL === "true" && { https: true }),
    ...(Object.keys(tls).length > 0 && { tls }),
  };
}

/** The connection's base URL (scheme, host, port), CONSUL_HTTP_SSL honoured. */
export function consulBaseUrl(connection: ConsulConnection): URL {
  const address = connection.address ?? "127.0.0.1:8500";
  const scheme = connection.https ? "https" : "http";
  return new URL(/^https?:\/\//.test(address) ? address : `${scheme}://${address}`);
}

/** TLS material for HTTPS connections to Consul, read from the files the environment names. */
export function consulTlsOptions(connection: ConsulConnection): {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
} {
  const { tls } = connection;
  return {
    ...(tls?.caFile && { ca: readFileSync(tls.caFile) }),
    ...(tls?.certFile && { cert: readFileSync(tls.certFile) }),
    ...(tls?.keyFile && { key: readFileSync(tls.keyFile) }),
  };
}

export function consulClient(connection: ConsulConnection): Consul {
  const url = consulBaseUrl(connection);
  const secure = url.protocol === "https:";
  return new Consul({
    host: url.hostname,
    port: Number(url.port || (secure ? 443 : 80)),
    secure,
    ...(secure && { agent: new HttpsAgent({ keepAlive: true, ...consulTlsOptions(connection) }) }),
    ...(connection.token && { defaults: { token: connection.token } }),
  });
}

/** Response headers as the `consul` client hands them over. */
export type ConsulHeaders = Record<string, string | string[] | undefined>;

/** One response header's value (the first, when repeated). */
export function consulHeader(headers: ConsulHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** An answer for blockingLoop from Consul's headers (X-Consul-Index: NaN when absent). */
export function blockingAnswer<T>(headers: ConsulHeaders, body: T): Required<BlockingAnswer<T>> {
  return {
    index: Number(consulHeader(headers, "x-consul-index") ?? Number.NaN),
    body,
    knownLeader: consulHeader(headers, "x-consul-knownleader") === "true",
    lastContactMs: Number(consulHeader(headers, "x-consul-lastcontact") ?? 0),
  };
}

/** Where and how long one blocking call waits, and the signal that cancels it. */
export interface BlockingCallAt {
  readonly datacenter: string;
  readonly index: number;
  readonly waitMs: number;
  readonly signal: AbortSignal;
}

/**
 * One stale blocking read through a `consul` client method (`method` called on `self`, with
 * `options` plus dc, stale, index and wait): resolves with the response's headers and its
 * body (undefined when the client gives none, as on a KV 404); the signal cancels it.
 */
export async function blockingCall<B>(
  method: (options: never) => Promise<unknown>,
  self: object,
  options: object,
  { datacenter, index, waitMs, signal }: BlockingCallAt,
): Promise<{ readonly headers: ConsulHeaders; readonly body: B }> {
  // The client answers [response, body] when its ctx asks for the response (as its Watch does).
  const ctx = Object.assign(new EventEmitter(), { includeResponse: true });
  const cancel = () => ctx.emit("cancel");
  signal.addEventListener("abort", cancel, { once: true });
  try {
    // `ctx` and `timeout` are options the client takes but its type declarations omit.
    const call = method as unknown as (o: object) => Promise<[{ headers: ConsulHeaders }, B]>;
    const [res, body] = await call.call(self, {
      ...options,
      dc: datacenter,
      stale: true,
      index: String(index),
      wait: `${waitMs}ms`,
      ctx,
      // Consul may hold a query wait + wait/16 of jitter; past that (and a margin) it is lost.
      timeout: waitMs + waitMs / 16 + 5_000,
    });
    return { headers: res.headers, body };
  } finally {
    signal.removeEventListener("abort", cancel);
  }
}

/** `GET /v1/health/service/:service?dc=&stale&index=&wait=` as a query for blockingLoop. */
export function healthServiceQuery(
  consul: Consul,
  service: string,
  datacenter: string,
  waitMs: number,
) {
  return async (
    index: number,
    signal: AbortSignal,
  ): Promise<BlockingAnswer<ConsulHealthEntry[]>> => {
    const { headers, body } = await blockingCall<ConsulHealthEntry[]>(
      consul.health.service,
      consul.health,
      { service },
      { datacenter, index, waitMs, signal },
    );
    return blockingAnswer(headers, body);
  };
}
