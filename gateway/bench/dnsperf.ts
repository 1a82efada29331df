/**
 * dnsperf (Debian: dnsperf), the DNS benchmark's load: a query file, an EDNS Client Subnet
 * option in the form its `-E code:value` takes, a run, and its report read back.
 */
import { execFile } from "node:child_process";
import { isIPv4 } from "node:net";

/** EDNS option code of Client Subnet (RFC 7871). */
const ECS_OPTION = 8;

/**
 * `198.51.100.160/28` → `8:00011c00c63364a0`: family (1 IPv4, 2 IPv6), source prefix length,
 * scope 0, then the address's first ceil(prefix / 8) bytes (RFC 7871, 6). IPv4 only here.
 */
export function ecsOption(subnet: string): string {
  const [address = "", prefixText = ""] = subnet.split("/");
  const prefix = /^\d{1,2}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (!isIPv4(address) || !(prefix >= 0 && prefix <= 32))
    throw new RangeError(`not an IPv4 subnet: ${subnet}`);
  const bytes = address
    .split(".")
    .map(Number)
    .slice(0, Math.ceil(prefix / 8));
  const hex = (n: number, width = 2) => n.toString(16).padStart(width, "0");
  return `${ECS_OPTION}:${hex(1, 4)}${hex(prefix)}00${bytes.map((b) => hex(b)).join("")}`;
}

export interface DnsperfReport {
  readonly sent: number;
  readonly completed: number;
  readonly lost: number;
  readonly qps: number;
  readonly avgLatencyMs: number;
  /** Response codes and their counts (`NOERROR: 2055`). */
  readonly rcodes: Readonly<Record<string, number>>;
}

const number = (text: string, pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN);

/** dnsperf's "Statistics" block. */
export function parseDnsperf(text: string): DnsperfReport {
  const codes = /Response codes:\s+(.+)/.exec(text)?.[1] ?? "";
  const rcodes = Object.fromEntries(
    [...codes.matchAll(/([A-Z]+) (\d+)/g)].map((m) => [m[1] ?? "", Number(m[2])]),
  );
  return {
    sent: number(text, /Queries sent:\s+(\d+)/),
    completed: number(text, /Queries completed:\s+(\d+)/),
    lost: number(text, /Queries lost:\s+(\d+)/),
    qps: number(text, /Queries per second:\s+([\d.]+)/),
    avgLatencyMs: number(text, /Average Latency \(s\):\s+([\d.]+)/) * 1000,
    rcodes,
  };
}

export interface DnsperfRun {
  readonly port: number;
  readonly queryFile: string;
  readonly seconds: number;
  /** A client subnet sent with every query; absent: none (the resolver's address locates). */
  readonly subnet?: string;
  /** Queries in flight at most (dnsperf -q). */
  readonly outstanding?: number;
}

export function runDnsperf(run: DnsperfRun): Promise<DnsperfReport> {
  const args = [
    ...["-s", "127.0.0.1", "-p", String(run.port), "-d", run.queryFile],
    ...["-l", String(run.seconds), "-q", String(run.outstanding ?? 100), "-t", "2"],
    ...(run.subnet ? ["-E", ecsOption(run.subnet)] : []),
  ];
  return new Promise((resolve, reject) => {
    execFile("dnsperf", args, { timeout: (run.seconds + 15) * 1000 }, (error, stdout) => {
      if (error) reject(new Error(`dnsperf failed: ${error.message}\n${stdout}`));
      else resolve(parseDnsperf(stdout));
    });
  });
}
