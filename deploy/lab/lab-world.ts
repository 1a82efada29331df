/**
 * The lab as running things: namespaces and veths (see lab-plan.ts for the picture), BIRD
 * on the router, and at each site two backends, a gateway on the VIP and ExaBGP running the
 * gateway's announcer. `close()` (also run on exit, SIGINT and SIGTERM) ends every process
 * and deletes every namespace, which takes their interfaces with them.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AnnouncerSettings,
  CLIENT_ADDRESS,
  LAB_POLICY,
  LAB_SITES,
  type LabNames,
  labCatalogue,
  labGatewayBoot,
  labNames,
  ROUTER_CLIENT,
  ROUTER_LAN,
  routerBirdConfig,
  siteExabgpConfig,
  siteOf,
  VIP,
} from "./lab-plan.ts";
import {
  deleteNamespacesSync,
  type LabProcess,
  logTail,
  processTable,
  run,
} from "./lab-processes.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const CLI = join(ROOT, "gateway/cli.ts");
const BACKEND = join(ROOT, "deploy/lab/lab-backend.ts");
/** Every lab gateway's admin token (GATEWAY_ADMIN_TOKEN): the lab's own, made per run. */
const LAB_ADMIN_TOKEN = randomBytes(24).toString("base64url");
/** The shipped ExaBGP template, its install paths swapped for this checkout and this Node. */
const EXABGP_TEMPLATE = readFileSync(join(ROOT, "deploy/templates/exabgp.conf.tmpl"), "utf8")
  .replaceAll("/opt/multisite-gateway/node_modules/node/bin/node", process.execPath)
  .replaceAll("/opt/multisite-gateway/", ROOT);

export interface Lab {
  readonly names: LabNames;
  readonly birdSocket: string;
  /**
   * Running processes by name: `gateway:dar`, `speaker:dar`, `backend:dar:8001`, `bird`,
   * `client`.
   */
  readonly processes: ReadonlyMap<string, LabProcess>;
  startGateway(site: string): LabProcess;
  startBackend(site: string, port: number): LabProcess;
  startSpeaker(site: string, settings: AnnouncerSettings): LabProcess;
  /** Starts the client loop in the client namespace, its stdout piped. */
  startClient(command: readonly string[]): LabProcess;
  /** Runs a command inside a namespace; its stdout. */
  exec(ns: string, command: readonly string[]): Promise<string>;
  /** The site's admin API from inside its namespace, with the lab's admin token. */
  admin(site: string, method: "GET" | "POST", path: string): Promise<string>;
  /** Cuts the site off the wire (the router's port stays up) or puts it back. */
  setWire(site: string, up: boolean): Promise<void>;
  stop(name: string, signal?: NodeJS.Signals): Promise<void>;
  close(): Promise<void>;
}

/** Runs a command inside a namespace; its stdout. */
const inNamespace = (ns: string, command: readonly string[]) =>
  run(["ip", "netns", "exec", ns, ...command]);

async function buildTopology(names: LabNames): Promise<void> {
  const ip = (...args: string[]) => run(["ip", ...args]);
  for (const ns of names.all) {
    await ip("netns", "add", ns);
    await ip("-n", ns, "link", "set", "lo", "up");
  }
  await ip("-n", names.wire, "link", "add", "br0", "type", "bridge");
  await ip("-n", names.wire, "link", "set", "br0", "up");
  const plug = async (ns: string, port: string, address: string) => {
    await ip(
      "-n",
      ns,
      "link",
      "add",
      "lan",
      "type",
      "veth",
      "peer",
      "name",
      port,
      "netns",
      names.wire,
    );
    await ip("-n", names.wire, "link", "set", port, "master", "br0", "up");
    await ip("-n", ns, "addr", "add", `${address}/24`, "dev", "lan");
    await ip("-n", ns, "link", "set", "lan", "up");
  };
  await plug(names.router, "p-router", ROUTER_LAN);
  for (const site of LAB_SITES) {
    const ns = names.site(site.id);
    await plug(ns, `p-${site.id}`, site.address);
    await ip("-n", ns, "addr", "add", `${VIP}/32`, "dev", "lo");
    await ip("-n", ns, "route", "add", "default", "via", ROUTER_LAN);
  }
  await ip(
    "-n",
    names.client,
    "link",
    "add",
    "uplink",
    "type",
    "veth",
    "peer",
    "name",
    "cli",
    "netns",
    names.router,
  );
  await ip("-n", names.client, "addr", "add", `${CLIENT_ADDRESS}/30`, "dev", "uplink");
  await ip("-n", names.client, "link", "set", "uplink", "up");
  await ip("-n", names.client, "route", "add", "default", "via", ROUTER_CLIENT);
  await ip("-n", names.router, "addr", "add", `${ROUTER_CLIENT}/30`, "dev", "cli");
  await ip("-n", names.router, "link", "set", "cli", "up");
  await inNamespace(names.router, ["sysctl", "-qw", "net.ipv4.ip_forward=1"]);
}

/** Builds the namespaces, writes every config and starts BIRD; sites are started by the caller. */
export async function createLab(): Promise<Lab> {
  const names = labNames(randomBytes(3).toString("hex"));
  const dir = mkdtempSync(join(tmpdir(), `gwlab-${names.runId}-`));
  const table = processTable(dir);
  let closed = false;
  const closeSync = () => {
    if (closed) return;
    closed = true;
    table.killAllSync();
    deleteNamespacesSync(names.all);
    rmSync(dir, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals) => {
    closeSync();
    process.kill(process.pid, signal);
  };
  process.once("exit", closeSync);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    await buildTopology(names);
  } catch (error) {
    closeSync();
    throw error;
  }
  writeFileSync(join(dir, "catalogue.yaml"), labCatalogue());
  writeFileSync(join(dir, "policy.yaml"), LAB_POLICY);
  writeFileSync(join(dir, "bird.conf"), routerBirdConfig());
  const birdSocket = join(dir, "bird.ctl");
  table.spawnIn(names.router, "bird", [
    "bird",
    "-f",
    "-c",
    join(dir, "bird.conf"),
    "-s",
    birdSocket,
  ]);
  const lab: Lab = {
    names,
    birdSocket,
    processes: table.processes,
    startGateway(id) {
      const boot = join(dir, `gateway-${id}.yaml`);
      writeFileSync(boot, labGatewayBoot(siteOf(id)));
      const command = [process.execPath, CLI, "serve", "--config", boot];
      return table.spawnIn(names.site(id), `gateway:${id}`, command, {
        env: { GATEWAY_ADMIN_TOKEN: LAB_ADMIN_TOKEN },
      });
    },
    startBackend(id, port) {
      const command = [process.execPath, BACKEND, siteOf(id).address, String(port), id];
      return table.spawnIn(names.site(id), `backend:${id}:${port}`, command);
    },
    startSpeaker(id, settings) {
      const config = join(dir, `exabgp-${id}.conf`);
      writeFileSync(config, siteExabgpConfig(EXABGP_TEMPLATE, siteOf(id), settings));
      const env = {
        exabgp_daemon_user: "root",
        exabgp_daemon_daemonize: "false",
        exabgp_log_destination: "stdout",
        exabgp_api_ack: "false",
      };
      return table.spawnIn(names.site(id), `speaker:${id}`, ["exabgp", config], { env });
    },
    startClient: (command) => table.spawnIn(names.client, "client", command, { pipeStdout: true }),
    exec: inNamespace,
    admin: (id, method, path) =>
      inNamespace(names.site(id), [
        "curl",
        "-sS",
        "-m",
        "3",
        "-X",
        method,
        "-H",
        `Authorization: Bearer ${LAB_ADMIN_TOKEN}`,
        `http://127.0.0.1:9090${path}`,
      ]),
    async setWire(id, up) {
      await run(["ip", "-n", names.wire, "link", "set", `p-${id}`, up ? "up" : "down"]);
    },
    async stop(name, signal = "SIGTERM") {
      await table.processes.get(name)?.stop(signal);
    },
    async close() {
      await Promise.all([...table.processes.values()].map((p) => p.stop("SIGTERM", 3_000)));
      closeSync();
      process.removeListener("exit", closeSync);
      process.removeListener("SIGINT", onSignal);
      process.removeListener("SIGTERM", onSignal);
    },
  };
  return lab;
}

/** Why a process is not up, for failure messages. */
export function describeProcess(lab: Lab, name: string): string {
  const p = lab.processes.get(name);
  return p ? `${name}:\n${logTail(p.logFile)}` : `${name}: not running`;
}
