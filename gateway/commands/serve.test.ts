/**
 * `gateway serve` as a real process: SIGTERM drains without losing the request in flight,
 * SIGHUP reloads the routing config, and a broken config is refused while the old serves.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { eventually, startBackend, type TestBackend } from "../testing/fixtures.ts";

const CLI = new URL("../cli.ts", import.meta.url).pathname;

function catalogue(backend: TestBackend, capacity = 100): string {
  return `sites:
  - { id: here, name: Here, country: EC, jurisdiction: EC, latitude: 0, longitude: 0, tier: edge, capacity: ${capacity}, backends: ["${backend.address}"] }
  - { id: hub, name: Hub, country: EC, jurisdiction: EC, latitude: 0, longitude: 9, tier: hub, capacity: 1000, backends: ["127.0.0.1:9"] }
`;
}

const POLICY = 'services:\n  - { name: web, hosts: ["*"] }\n';

interface Served {
  readonly child: ChildProcess;
  readonly folder: string;
  readonly url: () => Promise<string>;
  readonly output: () => string;
}

function serve(t: { after: (fn: () => void) => void }, backend: TestBackend): Served {
  const folder = mkdtempSync(join(tmpdir(), "serve-test-"));
  writeFileSync(join(folder, "catalogue.yaml"), catalogue(backend));
  writeFileSync(join(folder, "policy.yaml"), POLICY);
  writeFileSync(
    join(folder, "gateway.yaml"),
    "site: here\ncatalogue: catalogue.yaml\npolicy: policy.yaml\nlisten: { host: 127.0.0.1, port: 0 }\nadmin: { host: 127.0.0.1, port: 0 }\nworkers: 1\nstateDirectory: state\nlog: { level: info, requests: false }\n",
  );
  const child = spawn(process.execPath, [CLI, "serve", "--config", join(folder, "gateway.yaml")], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  t.after(() => {
    child.kill("SIGKILL");
    rmSync(folder, { recursive: true, force: true });
  });
  const url = async () => {
    await eventually(() => output.includes('"gateway listening"'), 15_000, "the gateway to listen");
    const line = output.split("\n").find((l) => l.includes('"gateway listening"')) ?? "{}";
    return (JSON.parse(line) as { url: string }).url;
  };
  return { child, folder, url, output: () => output };
}

function refusesConnections(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

test("SIGTERM lets the request in flight finish with 200, then the process exits 0", async (t) => {
  let release: (() => void) | undefined;
  const backend = await startBackend("held", (req, res) => {
    if (req.url !== "/slow") return void res.end("quick");
    release = () => res.end("done");
  });
  t.after(() => backend.kill());
  const served = serve(t, backend);
  const url = await served.url();
  const answer = fetch(`${url}/slow`).then(async (r) => [r.status, await r.text()]);
  await eventually(() => release !== undefined, 10_000, "the backend to hold the request");
  const exit = exited(served.child);
  served.child.kill("SIGTERM");
  // The drain has begun once a new TCP connection is refused; only then is the request
  // released. A bare connect, not fetch: fetch could reuse a kept-alive connection.
  const { hostname, port } = new URL(url);
  await eventually(
    () => refusesConnections(hostname, Number(port)),
    10_000,
    "new connections to be refused",
  );
  release?.();
  assert.deepEqual(await answer, [200, "done"]);
  assert.equal(await exit, 0, served.output());
});

test("SIGHUP reloads the catalogue; a broken one is refused and the old keeps serving", async (t) => {
  const first = await startBackend("first");
  const second = await startBackend("second");
  t.after(async () => {
    await first.kill();
    await second.kill();
  });
  const served = serve(t, first);
  const url = await served.url();
  const backendOf = async () =>
    ((await (await fetch(`${url}/x`)).json()) as { backend: string }).backend;
  assert.equal(await backendOf(), "first");

  writeFileSync(join(served.folder, "catalogue.yaml"), "sites: [ { id: broken } ]\n");
  served.child.kill("SIGHUP");
  await eventually(
    () => served.output().includes("config refused"),
    10_000,
    "the refusal to be logged",
  );
  assert.equal(await backendOf(), "first", "the last good config keeps serving");

  writeFileSync(join(served.folder, "catalogue.yaml"), catalogue(second));
  served.child.kill("SIGHUP");
  await eventually(
    async () => (await backendOf()) === "second",
    10_000,
    "the new catalogue to serve",
  );
});
