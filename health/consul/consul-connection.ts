/**
 * Where the gateway finds Consul: the usual environment variables (`CONSUL_HTTP_ADDR`,
 * `CONSUL_HTTP_TOKEN`, `CONSUL_HTTP_SSL`, `CONSUL_CACERT`, `CONSUL_CLIENT_CERT`,
 * `CONSUL_CLIENT_KEY`), the base URL they make, and the TLS material they name.
 */
import { readFileSync } from "node:fs";

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
