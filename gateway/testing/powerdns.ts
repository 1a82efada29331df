/**
 * Real PowerDNS and dig for the DNS tests, the demo world and the DNS benchmark: starts
 * `pdns_server` on a loopback port with its own temporary config and socket directories and
 * the remote backend against a gateway's DNS endpoint; runs `dig` and reads its answer.
 * Debian: pdns-server, pdns-backend-remote, dnsutils. `powerdnsMissing()` says what is
 * absent, for a clean skip.
 */
import { execFile, spawn, spawnSync } from "node:child_process";
import { existsSync, globSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asArguments, asConfigFile, pdnsSettings } from "../dns/pdns-settings.ts";
import { eventually } from "./fixtures.ts";

const REMOTE_BACKEND = ["/usr/lib/*/pdns/libremotebackend.so", "/usr/lib/pdns/libremotebackend.so"];

const runs = (command: string, args: readonly string[]) =>
  spawnSync(command, args, { stdio: "ignore", timeout: 5_000 }).error === undefined;

/** Why PowerDNS tests cannot run here, or undefined when pdns_server, its remote backend and dig are all installed. */
export function powerdnsMissing(): string | undefined {
  if (!runs("pdns_server", ["--version"])) return "pdns_server absent (Debian: pdns-server)";
  if (!REMOTE_BACKEND.some((pattern) => globSync(pattern).some((file) => existsSync(file))))
    return "the PowerDNS remote backend is absent (Debian: pdns-backend-remote)";
  if (!runs("dig", ["-v"])) return "dig absent (Debian: dnsutils)";
  return undefined;
}

export interface PowerDns {
  readonly port: number;
  readonly pid: number;
  /** dig against this server: `dig @127.0.0.1 -p PORT ...args`. */
  dig(...args: string[]): Promise<DigAnswer>;
  stop(): Promise<void>;
}

/** A free port on 127.0.0.1 for TCP (PowerDNS binds UDP and TCP on it; a clash fails its start). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts PowerDNS against the endpoint and waits until it answers the zone's SOA. */
export async function startPowerDns(options: {
  readonly endpointUrl: string;
  readonly zone: string;
  readonly caches?: boolean;
  /** The port to answer on (UDP and TCP); default: a free one. */
  readonly port?: number;
  /** PowerDNS's distributor threads (its default: 3). */
  readonly threads?: number;
}): Promise<PowerDns> {
  const directory = mkdtempSync(join(tmpdir(), "pdns-"));
  mkdirSync(join(directory, "sockets"));
  const port = options.port || (await freePort());
  const settings = pdnsSettings({
    endpointUrl: options.endpointUrl,
    localAddress: "127.0.0.1",
    localPort: port,
    socketDir: join(directory, "sockets"),
    configDir: directory,
    caches: options.caches ?? false,
    ...(options.threads && { distributorThreads: options.threads }),
  });
  writeFileSync(join(directory, "pdns.conf"), asConfigFile({}));
  const child = spawn("pdns_server", asArguments(settings), { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8_192);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const dig = (...args: string[]) => runDig(port, args);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`pdns_server exited:\n${output}`);
        return (await dig(options.zone, "SOA", "+tries=1", "+time=1")).status === "NOERROR";
      },
      15_000,
      "PowerDNS to answer the zone's SOA",
    );
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${output}`);
  }
  return { port, pid: child.pid ?? -1, dig, stop };
}

export interface DigRecord {
  readonly name: string;
  readonly ttl: number;
  readonly type: string;
  readonly data: string;
}

export interface DigAnswer {
  /** NOERROR, NXDOMAIN, SERVFAIL, REFUSED; "" when dig got no answer. */
  readonly status: string;
  readonly answer: readonly DigRecord[];
  readonly authority: readonly DigRecord[];
  /** The ECS option of the response (`198.51.100.160/28/28`), when there is one. */
  readonly clientSubnet?: string;
  readonly aa: boolean;
  readonly text: string;
}

function runDig(port: number, args: readonly string[]): Promise<DigAnswer> {
  return new Promise((resolve, reject) => {
    execFile(
      "dig",
      [`@127.0.0.1`, "-p", String(port), "+norecurse", ...args],
      { timeout: 10_000 },
      (error, stdout) => {
        // dig exits 9 when no server answered: that is an answer with no status, not a failure.
        if (error && !stdout) reject(error);
        else resolve(parseDig(stdout));
      },
    );
  });
}

/** dig's default output: the header's status and flags, the ECS option, the sections. */
export function parseDig(text: string): DigAnswer {
  const status = /status: ([A-Z]+)/.exec(text)?.[1] ?? "";
  const flags = /flags: ([a-z ]+);/.exec(text)?.[1]?.split(" ") ?? [];
  const clientSubnet = /CLIENT-SUBNET: (\S+)/.exec(text)?.[1];
  return {
    status,
    answer: section(text, "ANSWER"),
    authority: section(text, "AUTHORITY"),
    ...(clientSubnet && { clientSubnet }),
    aa: flags.includes("aa"),
    text,
  };
}

function section(text: string, name: string): DigRecord[] {
  const start = text.indexOf(`;; ${name} SECTION:\n`);
  if (start < 0) return [];
  const lines = text.slice(start).split("\n").slice(1);
  const records: DigRecord[] = [];
  for (const line of lines) {
    if (line.trim() === "" || line.startsWith(";")) break;
    const [name = "", ttl = "0", , type = "", ...data] = line.split(/\s+/);
    records.push({ name, ttl: Number(ttl), type, data: data.join(" ") });
  }
  return records;
}

/** The addresses of an answer's A or AAAA records. */
export const addressesOf = (answer: DigAnswer, type = "A") =>
  answer.answer.filter((r) => r.type === type).map((r) => r.data);
