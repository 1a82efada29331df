/**
 * PowerDNS Authoritative's settings for a server in front of this gateway's DNS endpoint, as
 * `key=value` lines for pdns.conf or `--key=value` arguments (tests, the demo and the
 * benchmark start it so). Pure.
 *
 * - `launch=remote` with the HTTP connector at the endpoint; its timeout (ms) bounds every
 *   call, and a call past it is SERVFAIL.
 * - `edns-subnet-processing=yes`: PowerDNS parses the client subnet, passes it as
 *   `real-remote` and returns the scope the backend gives (`scopeMask`).
 * - `security-poll-suffix=` (empty): no status query to the internet at start.
 * - Caches: PowerDNS's packet cache (`cache-ttl`) and query cache (`query-cache-ttl`,
 *   `negquery-cache-ttl`) are PowerDNS's defaults (20 s, 20 s, 60 s) when on, 0 when off.
 *   PowerDNS caches neither kind of answer when a record carries a non-zero scope, so steered
 *   answers to located clients always reach the gateway; see README.md, "Caches".
 */

export interface PdnsSettingsOptions {
  /** The gateway's DNS endpoint, `http://HOST:PORT/dns`. */
  readonly endpointUrl: string;
  readonly localAddress: string;
  readonly localPort: number;
  /** Where PowerDNS keeps its control socket (a directory it may write). */
  readonly socketDir: string;
  /** Where PowerDNS looks for pdns.conf. */
  readonly configDir: string;
  readonly caches: boolean;
  /** Remote-backend call timeout, ms (PowerDNS rounds it down to whole seconds). Default 2000. */
  readonly timeoutMs?: number;
  /** PowerDNS's log level, 0-7. Default 4 (warnings). */
  readonly logLevel?: number;
  /**
   * Threads asking the backend (`distributor-threads`, PowerDNS's default 3). Each waits for
   * its call's answer, so answers per second ≈ threads ÷ call latency (README.md, "Numbers").
   */
  readonly distributorThreads?: number;
}

export function pdnsSettings(options: PdnsSettingsOptions): Record<string, string> {
  const cache = (ttl: number) => String(options.caches ? ttl : 0);
  return {
    "config-dir": options.configDir,
    "socket-dir": options.socketDir,
    daemon: "no",
    guardian: "no",
    "disable-syslog": "yes",
    "write-pid": "no",
    "local-address": options.localAddress,
    "local-port": String(options.localPort),
    launch: "remote",
    "remote-connection-string": `http:url=${options.endpointUrl},timeout=${options.timeoutMs ?? 2_000}`,
    "edns-subnet-processing": "yes",
    "security-poll-suffix": "",
    "cache-ttl": cache(20),
    "query-cache-ttl": cache(20),
    "negquery-cache-ttl": cache(60),
    loglevel: String(options.logLevel ?? 4),
    "distributor-threads": String(options.distributorThreads ?? 3),
  };
}

export const asArguments = (settings: Record<string, string>): string[] =>
  Object.entries(settings).map(([key, value]) => `--${key}=${value}`);

export const asConfigFile = (settings: Record<string, string>): string =>
  Object.entries(settings)
    .map(([key, value]) => `${key}=${value}\n`)
    .join("");
