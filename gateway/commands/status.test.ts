import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { test } from "node:test";
import { createAdminServer } from "../admin/admin-api.ts";
import { listen, urlOf } from "../server/listen.ts";
import { eventually, startTestWorld } from "../testing/fixtures.ts";
import type { OpsView } from "../ui/ops-view.ts";
import type { CommandIo } from "./io.ts";
import { statusCommand } from "./status.ts";

const SITES = [
  { id: "aaa", longitude: -60 },
  { id: "bbb", longitude: 10, tier: "hub" as const },
];

function captured(): CommandIo & { out: (t: string) => void; text: string[]; errors: string[] } {
  const text: string[] = [];
  const errors: string[] = [];
  return { text, errors, out: (t) => text.push(t), err: (t) => errors.push(t) };
}

async function gatewayAdmin(t: test.TestContext) {
  const world = await startTestWorld({ sites: SITES, ingresses: ["aaa", "bbb"] });
  t.after(() => world.close());
  return world;
}

/** A real server answering /sites as `answer` says (by request number, from 1). */
async function fakeAdmin(
  t: test.TestContext,
  answer: (n: number, headers: IncomingHttpHeaders) => unknown,
): Promise<string> {
  let n = 0;
  const server = createServer((req, res) => {
    const body = answer(++n, req.headers);
    if (body === undefined) return void res.destroy();
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => server.close());
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

const sitesAnswer = { ingress: "aaa", sites: [{ id: "aaa", tier: "edge", state: "healthy" }] };

test("status reads a gateway's /sites and prints every site, exit 0", async (t) => {
  const world = await gatewayAdmin(t);
  const io = captured();
  const code = await statusCommand(["--admin", world.gateway("aaa").adminUrl], io);
  assert.equal(code, 0);
  const text = io.text.join("\n");
  assert.match(text, /^aaa\s+edge\s+healthy\s+100%\s+100%\s+100%\s+closed/m);
  assert.match(text, /^bbb\s+hub\s+healthy\s/m);
});

test("--json prints the view the ops view's page draws", async (t) => {
  const world = await gatewayAdmin(t);
  const io = captured();
  assert.equal(await statusCommand(["--admin", world.gateway("aaa").adminUrl, "--json"], io), 0);
  const view = JSON.parse(io.text.join("")) as OpsView;
  assert.equal(view.mode, "single");
  assert.deepEqual(
    view.sites.map((s) => [s.id, s.state]),
    [
      ["aaa", "healthy"],
      ["bbb", "healthy"],
    ],
  );
});

test("--fleet asks the gateway for every gateway it knows; one that does not answer says so", async (t) => {
  const world = await gatewayAdmin(t);
  const fleet = async () => [
    { site: "aaa", url: "http://127.0.0.1:1/sites" },
    { site: "bbb", url: "http://127.0.0.1:1/sites" },
  ];
  const server: Server = createAdminServer({ ...world.gateway("aaa").admin, ui: { fleet } });
  await listen(server, 0, "127.0.0.1", false, false);
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const io = captured();
  assert.equal(await statusCommand(["--admin", urlOf(server), "--fleet"], io), 0);
  const text = io.text.join("\n");
  assert.match(text, /^fleet: 2 gateways, 1 UNREACHABLE;/m);
  assert.match(text, /^bbb\s+hub\s+unreachable\s+UNREACHABLE\s/m);
  assert.match(text, /^bbb\s+UNREACHABLE: connect ECONNREFUSED/m);
});

test("a gateway that cannot be read is exit 1 with the reason", async () => {
  const io = captured();
  assert.equal(await statusCommand(["--admin", "http://127.0.0.1:1"], io), 1);
  assert.match(io.errors.join(""), /cannot read http:\/\/127\.0\.0\.1:1: connect ECONNREFUSED/);
});

test("--watch draws again each interval, draws a failed read as such, and stops at --count", async (t) => {
  const url = await fakeAdmin(t, (n) => (n === 2 ? undefined : sitesAnswer));
  const io = captured();
  const args = ["--admin", url, "--watch", "--interval-ms", "500", "--count", "3"];
  assert.equal(await statusCommand(args, io), 0);
  assert.equal(io.text.length, 3);
  assert.match(io.text[0] ?? "", /^aaa\s+edge\s+healthy/m);
  assert.match(io.text[1] ?? "", /cannot read/);
  assert.match(io.text[2] ?? "", /^aaa\s+edge\s+healthy/m);
});

test("the admin token from the environment is sent as a bearer token", async (t) => {
  let seen: string | undefined;
  const url = await fakeAdmin(t, (_n, headers) => {
    seen = headers.authorization;
    return sitesAnswer;
  });
  await statusCommand(["--admin", url], captured(), undefined, { GATEWAY_ADMIN_TOKEN: "s3cret" });
  assert.equal(seen, "Bearer s3cret");
});

const badArgs: [string[], RegExp][] = [
  [["--interval-ms", "100", "--watch"], /--interval-ms takes a whole number from 500 to 60000/],
  [["--count", "0", "--watch"], /--count takes a whole number from 1 to 1000000/],
  [["--admin", "ftp://x"], /--admin takes an http or https URL/],
  [["--admin", "not a url"], /--admin takes a URL/],
  [["--nope"], /Unknown option '--nope'/],
];

for (const [args, message] of badArgs)
  test(`a wrong command line is exit 2: ${args.join(" ")}`, async () => {
    const io = captured();
    assert.equal(await statusCommand(args, io), 2);
    assert.match(io.errors.join(""), message);
  });

test("gateway status --watch runs as a process until Ctrl-C", { timeout: 60_000 }, async (t) => {
  const url = await fakeAdmin(t, () => sitesAnswer);
  const child = spawn(
    process.execPath,
    ["gateway/cli.ts", "status", "--admin", url, "--watch", "--interval-ms", "500"],
    {
      cwd: new URL("../../", import.meta.url),
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  t.after(() => child.kill("SIGKILL"));
  let out = "";
  child.stdout.on("data", (chunk) => {
    out += chunk;
  });
  await eventually(() => (out.match(/^aaa\s+edge/gm) ?? []).length >= 2, 30_000, "two draws");
  const ended = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on("exit", (_code, signal) => resolve(signal)),
  );
  child.kill("SIGINT");
  assert.equal(await ended, "SIGINT");
});
