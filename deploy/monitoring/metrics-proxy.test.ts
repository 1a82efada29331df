/**
 * The metrics proxy a site runs for the central Prometheus (deploy/templates/
 * metrics-proxy.nginx.conf.tmpl), rendered by render-site.sh and run in a real nginx against
 * a node:http server standing in for the gateway's admin API. The admin API trusts every
 * loopback peer, the proxy is one: these tests hold it to passing GET /metrics and GET /sites
 * (the ops view's fleet mode reads it) and nothing else, and to refusing peers outside the
 * monitoring network. Skips where nginx or envsubst
 * is absent.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { onPath } from "../lab/lab-prerequisites.ts";

const DEPLOY = new URL("../", import.meta.url).pathname;
const METRICS_BODY = "# HELP gateway_snapshot_version v\ngateway_snapshot_version 7\n";

/** A port nothing listens on now (the kernel's pick for port 0, released). */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The stand-in admin API: answers every request, records what reached it. */
async function adminStandIn(t: TestContext): Promise<{ port: number; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(METRICS_BODY);
  });
  server.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  t.after(() => server.close());
  return { port: (server.address() as AddressInfo).port, seen };
}

/** dar's proxy configuration rendered for 127.0.0.1:port, allowing `network`. */
function renderedProxy(folder: string, port: number, network: string, adminPort: number): string {
  const env = readFileSync(join(DEPLOY, "sites/dar.env"), "utf8")
    .replace(/^MANAGEMENT_ADDRESS=.*$/m, "MANAGEMENT_ADDRESS=127.0.0.1")
    .replace(/^METRICS_PORT=.*$/m, `METRICS_PORT=${port}`)
    .replace(/^MONITORING_NETWORK=.*$/m, `MONITORING_NETWORK=${network}`);
  const root = join(folder, `root-${port}`);
  writeFileSync(join(folder, `${port}.env`), env);
  const result = spawnSync(
    "sh",
    [join(DEPLOY, "render-site.sh"), join(folder, `${port}.env`), root],
    {
      encoding: "utf8",
    },
  );
  assert.equal(result.status, 0, result.stderr);
  const conf = readFileSync(join(root, "etc/nginx/conf.d/gateway-metrics.conf"), "utf8");
  const passes = ["/metrics", "/sites"].map((path) => `proxy_pass http://127.0.0.1:9090${path};`);
  for (const pass of passes)
    assert.ok(conf.includes(pass), "the proxy passes to the admin API of the boot template");
  return conf.replaceAll(
    "proxy_pass http://127.0.0.1:9090/",
    `proxy_pass http://127.0.0.1:${adminPort}/`,
  );
}

/** Runs nginx in the foreground with the given server blocks; stopped after the test. */
function runNginx(t: TestContext, folder: string, servers: string[]): ChildProcess {
  for (const dir of ["conf.d", "temp"]) mkdirSync(join(folder, dir), { recursive: true });
  for (const [i, text] of servers.entries()) writeFileSync(join(folder, `conf.d/${i}.conf`), text);
  const temp = join(folder, "temp");
  writeFileSync(
    join(folder, "nginx.conf"),
    `worker_processes 1;\npid ${folder}/nginx.pid;\nevents { worker_connections 32; }\nhttp {\n` +
      ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
        .map((kind) => `  ${kind}_temp_path ${temp}/${kind};\n`)
        .join("") +
      `  include ${folder}/conf.d/*.conf;\n}\n`,
  );
  const nginx = spawn(
    "nginx",
    ["-p", folder, "-c", join(folder, "nginx.conf"), "-e", "stderr", "-g", "daemon off;"],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  nginx.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  t.after(async () => {
    if (nginx.exitCode !== null) return;
    nginx.kill("SIGTERM");
    await new Promise((resolve) => nginx.once("exit", resolve));
  });
  Object.defineProperty(nginx, "log", { get: () => stderr });
  return nginx;
}

/** Polls until the proxy answers (it has started), at most 10 s. */
async function whenListening(port: number, nginx: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      return;
    } catch (error) {
      const log = (nginx as ChildProcess & { log: string }).log;
      if (nginx.exitCode !== null) assert.fail(`nginx exited ${nginx.exitCode}: ${log}`);
      if (Date.now() > deadline) throw error;
      await delay(50);
    }
  }
}

test("the metrics proxy passes GET /metrics and /sites from the monitoring network and nothing else", async (t) => {
  if (!onPath("nginx") || !onPath("envsubst"))
    return t.skip("nginx or envsubst is absent (apt-get install -y nginx gettext-base)");
  const folder = mkdtempSync(join(tmpdir(), "metrics-proxy-"));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const admin = await adminStandIn(t);
  const [open, closed] = [await freePort(), await freePort()];
  const nginx = runNginx(t, folder, [
    renderedProxy(folder, open, "127.0.0.0/8", admin.port),
    renderedProxy(folder, closed, "192.0.2.0/24", admin.port),
  ]);
  await whenListening(open, nginx);
  const at = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${open}${path}`, init);

  const scrape = await at("/metrics");
  assert.equal(scrape.status, 200, (nginx as ChildProcess & { log: string }).log);
  assert.equal(await scrape.text(), METRICS_BODY);
  assert.equal((await at("/sites")).status, 200);
  for (const path of [
    "/explain?ip=1.2.3.4",
    "/metrics/../readyz",
    "/readyz",
    "/metricsx",
    "/sitesx",
    "/ui/",
  ])
    assert.equal((await at(path)).status, 404, path);
  assert.equal((await at("/metrics", { method: "POST", body: "x" })).status, 403);
  assert.equal((await at("/sites", { method: "POST", body: "x" })).status, 403);
  assert.equal((await at("/sites/dar/drain", { method: "POST" })).status, 404);
  assert.equal(
    (await fetch(`http://127.0.0.1:${closed}/metrics`)).status,
    403,
    "outside the network",
  );
  assert.deepEqual(
    admin.seen,
    ["GET /metrics", "GET /sites"],
    "only the two reads reached the admin API",
  );
});
