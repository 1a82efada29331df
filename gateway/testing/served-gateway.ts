/**
 * `gateway serve` as a real process, for tests about processes and signals: config files in a
 * temporary folder, the child's output kept, its addresses read from the "gateway listening"
 * log line, everything killed and removed when the test ends.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "./fixtures.ts";
import { TEST_ADMIN_TOKEN } from "./test-admin.ts";

const CLI = new URL("../cli.ts", import.meta.url).pathname;

export interface ServedFiles {
  readonly catalogue: string;
  readonly policy: string;
  /**
   * The boot config's YAML; `catalogue: catalogue.yaml` and `policy: policy.yaml` name the two.
   * Without a `stateDirectory`, the gateway keeps its state in the temporary folder (never the
   * machine's /var/lib/gateway).
   */
  readonly boot: string;
}

export interface ServedGateway {
  readonly child: ChildProcess;
  readonly folder: string;
  /** Resolves with the data-plane, TLS and admin URLs once the gateway logged that it listens. */
  readonly listening: () => Promise<{ url: string; admin: string; tls?: string }>;
  readonly output: () => string;
  /** Every JSON log line so far with this `msg`. */
  readonly logged: (msg: string) => Record<string, unknown>[];
  /** The process's exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Writes one of the config files anew (a reload's input). */
  write(name: "catalogue.yaml" | "policy.yaml", text: string): void;
}

export function serveGateway(
  t: { after: (fn: () => void) => void },
  files: ServedFiles,
  args: readonly string[] = [],
  env: Readonly<Record<string, string>> = {},
): ServedGateway {
  const folder = mkdtempSync(join(tmpdir(), "served-gateway-"));
  writeFileSync(join(folder, "catalogue.yaml"), files.catalogue);
  writeFileSync(join(folder, "policy.yaml"), files.policy);
  // Its own state directory (never the machine's /var/lib/gateway), and the test token.
  const ownState = /^stateDirectory:/m.test(files.boot) ? "" : "\nstateDirectory: state\n";
  writeFileSync(join(folder, "gateway.yaml"), `${files.boot}${ownState}`);
  const child = spawn(
    process.execPath,
    [CLI, "serve", "--config", join(folder, "gateway.yaml"), ...args],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, GATEWAY_ADMIN_TOKEN: TEST_ADMIN_TOKEN, ...env },
    },
  );
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  t.after(() => {
    child.kill("SIGKILL");
    rmSync(folder, { recursive: true, force: true });
  });
  const logged = (msg: string) =>
    output
      .split("\n")
      .filter((line) => line.startsWith("{") && line.includes(`"msg":"${msg}"`))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const listening = async () => {
    await eventually(
      () => logged("gateway listening").length > 0 || child.exitCode !== null,
      20_000,
      "the gateway to listen",
    );
    const line = logged("gateway listening")[0];
    if (!line)
      throw new Error(`the gateway exited (${child.exitCode}) before listening:\n${output}`);
    return {
      url: String(line.url),
      admin: String(line.admin),
      ...(typeof line.tls === "string" && { tls: line.tls }),
    };
  };
  return {
    child,
    folder,
    listening,
    output: () => output,
    logged,
    exited,
    write: (name, text) => writeFileSync(join(folder, name), text),
  };
}

/** True once a new TCP connection to `url` is refused (a bare connect: fetch may reuse one). */
export function refusesConnections(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}
