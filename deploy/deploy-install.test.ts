/**
 * The deploy starts: the rollout's own install command (`npm ci --omit=dev`, deploy/README.md,
 * "First rollout of a site") run in a fresh folder holding the repository's tracked files
 * (as a release is unpacked; no node_modules copied) must bring the pinned Node the systemd
 * unit runs (`node_modules/node/bin/node`), and the gateway must start from there with that
 * Node, answer /healthz on its admin port, draw the ops view's map (its geometry packages are
 * runtime dependencies), serve a request, and stop on SIGTERM.
 *
 * `--prefer-offline` lets npm take packages from its cache; without a registry or a cache
 * the test skips, saying why. deploy/ imports no code of the gateway's: it runs its command.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type TestContext, test } from "node:test";

const ROOT = new URL("../", import.meta.url).pathname;
/** npm's words for "no registry and nothing in the cache". */
const OFFLINE = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|ENOTCACHED/;

/** The repository's tracked files as they are on disk (working changes included), or why not. */
function release(t: TestContext): string | { skip: string } {
  const listed = spawnSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" });
  if (listed.status !== 0) return { skip: `not a git checkout: ${listed.stderr || listed.error}` };
  const folder = mkdtempSync(join(tmpdir(), "deploy-release-"));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  for (const path of listed.stdout.split("\0")) {
    if (path === "" || !existsSync(join(ROOT, path))) continue; // deleted in the working tree
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    cpSync(join(ROOT, path), join(folder, path));
  }
  return folder;
}

/** The environment without what an outer npm run set (its prefix would redirect the install). */
function cleanEnv(): NodeJS.ProcessEnv {
  const keep =
    /^npm_config_(cache|registry|cafile|userconfig|globalconfig|proxy|https_proxy|noproxy|strict_ssl)$/i;
  return Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) || keep.test(key)),
  );
}

/** Runs a command to its end: exit code (null when killed or not started) and its output. */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("error", (error) => resolve({ code: null, output: `${output}${error.message}` }));
    child.on("close", (code) => resolve({ code, output }));
  });
}

/** A backend on 127.0.0.1 port 0 that answers every request with its name. */
async function backend(t: TestContext): Promise<string> {
  const server: Server = createServer((_req, res) => res.end("from the release's backend"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => server.close());
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A one-site world and its boot config, listening and admin on 127.0.0.1 port 0. */
function world(folder: string, backendAddress: string): string {
  writeFileSync(
    join(folder, "catalogue.yaml"),
    `sites:\n  - { id: lab, name: Lab, country: EC, jurisdiction: EC, latitude: 0, longitude: 0, tier: hub, capacity: 10, backends: ["${backendAddress}"] }\n`,
  );
  writeFileSync(join(folder, "policy.yaml"), 'services:\n  - { name: web, hosts: ["*"] }\n');
  const boot = join(folder, "gateway.yaml");
  writeFileSync(
    boot,
    "site: lab\ncatalogue: catalogue.yaml\npolicy: policy.yaml\nlisten: { host: 127.0.0.1, port: 0 }\nadmin: { host: 127.0.0.1, port: 0 }\nstateDirectory: state\nworkers: 1\nlog: { level: info, requests: false }\n",
  );
  return boot;
}

/** Polls `check` every 20 ms until it holds, or fails after `timeoutMs` (a bound, not a measure). */
async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The URLs of the "gateway listening" log line (JSON on stdout), once it is written. */
async function listening(child: ChildProcess, output: () => string) {
  await until(
    () => output().includes('"gateway listening"') || child.exitCode !== null,
    60_000,
    "the gateway to listen",
  );
  const line = output()
    .split("\n")
    .find((l) => l.includes('"gateway listening"'));
  if (line === undefined) assert.fail(`the gateway exited before listening:\n${output()}`);
  return JSON.parse(line) as { url: string; admin: string };
}

test("npm ci --omit=dev in a fresh release brings the pinned Node, and the gateway starts from it", {
  timeout: 600_000,
}, async (t) => {
  const folder = release(t);
  if (typeof folder !== "string") return t.skip(folder.skip);
  const install = await run(
    "npm",
    ["ci", "--omit=dev", "--prefer-offline", "--no-audit", "--no-fund"],
    folder,
    cleanEnv(),
  );
  if (install.code === null && /ENOENT/.test(install.output)) return t.skip("npm is not on PATH");
  if (install.code !== 0 && OFFLINE.test(install.output))
    return t.skip(`npm can reach neither a registry nor its cache: ${install.output.slice(-300)}`);
  assert.equal(install.code, 0, install.output);

  const node = join(folder, "node_modules/node/bin/node");
  assert.ok(existsSync(node), `the unit's ${node} is missing after npm ci --omit=dev`);
  assert.ok(!existsSync(join(folder, "node_modules/typescript")), "dev dependencies were omitted");
  assert.match(spawnSync(node, ["--version"], { encoding: "utf8" }).stdout, /^v24\./);

  const boot = world(folder, await backend(t));
  const child = spawn(node, ["gateway/cli.ts", "serve", "--config", boot], {
    cwd: folder,
    env: cleanEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => child.kill("SIGKILL"));
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const urls = await listening(child, () => output);

  const health = await fetch(`${urls.admin}/healthz`);
  assert.equal(health.status, 200, output);
  await health.text();
  const map = await fetch(`${urls.admin}/ui/map.json`);
  assert.equal(map.status, 200, output);
  assert.ok(((await map.json()) as { land: string }).land.length > 10_000, "the map's land");
  const served = await fetch(`${urls.url}/`, { headers: { connection: "close" } });
  assert.deepEqual([served.status, await served.text()], [200, "from the release's backend"]);

  child.kill("SIGTERM");
  assert.equal(await exited, 0, output);
});
