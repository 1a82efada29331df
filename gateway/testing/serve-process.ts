/**
 * `gateway serve` as a real child process over a small world written to a temporary folder
 * (test-only): the edge site `here` whose backend the test gives and a hub nobody listens
 * for, a boot file with every address on
 * 127.0.0.1 port 0 and the state directory inside the folder. Killed and removed by `t.after`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "./fixtures.ts";

const CLI = new URL("../cli.ts", import.meta.url).pathname;

export interface ServedGateway {
  readonly child: ChildProcess;
  readonly folder: string;
  /** The data plane's and the admin API's URLs, once the gateway says it listens. */
  readonly urls: () => Promise<{ url: string; admin: string }>;
  readonly output: () => string;
}

/** Writes the world into `folder` (a new one by default) and starts `gateway serve` on it. */
export function serveGateway(
  t: { after: (fn: () => void) => void },
  backendAddress: string,
  options: { folder?: string; env?: NodeJS.ProcessEnv; bootExtra?: string } = {},
): ServedGateway {
  const folder = options.folder ?? mkdtempSync(join(tmpdir(), "gateway-serve-"));
  writeFileSync(
    join(folder, "catalogue.yaml"),
    `sites:\n  - { id: here, name: Here, country: EC, jurisdiction: EC, latitude: 0, longitude: 0, tier: edge, capacity: 100, backends: ["${backendAddress}"] }\n  - { id: hub, name: Hub, country: EC, jurisdiction: EC, latitude: 0, longitude: 9, tier: hub, capacity: 1000, backends: ["127.0.0.1:9"] }\n`,
  );
  writeFileSync(join(folder, "policy.yaml"), 'services:\n  - { name: web, hosts: ["*"] }\n');
  const boot = `site: here\ncatalogue: catalogue.yaml\npolicy: policy.yaml\nlisten: { host: 127.0.0.1, port: 0 }\nadmin: { host: 127.0.0.1, port: 0 }\nstateDirectory: state\nworkers: 1\nprobes: { enabled: false }\nlog: { level: info, requests: false }\n${options.bootExtra ?? ""}`;
  writeFileSync(join(folder, "gateway.yaml"), boot);
  const env = { ...process.env, GATEWAY_ADMIN_TOKEN: "", ...options.env };
  const child = spawn(process.execPath, [CLI, "serve", "--config", join(folder, "gateway.yaml")], {
    stdio: ["ignore", "pipe", "pipe"],
    env,
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  t.after(() => {
    child.kill("SIGKILL");
    if (!options.folder) rmSync(folder, { recursive: true, force: true });
  });
  const urls = async () => {
    await eventually(() => output.includes('"gateway listening"'), 15_000, "the gateway to listen");
    const line = output.split("\n").find((l) => l.includes('"gateway listening"')) ?? "{}";
    return JSON.parse(line) as { url: string; admin: string };
  };
  return { child, folder, urls, output: () => output };
}
