// I/O: Upgrade requests against a real gateway, over raw sockets (to choose every header) and
// with curl where it is installed (what `curl --http2 http://…` really sends). WebSocket
// backends echo (ws); the rest are the echo backend. Every wait is bounded.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import type { Socket } from "node:net";
import { connect } from "node:net";
import { type TestContext, test } from "node:test";
import { promisify } from "node:util";
import { siteHits, startTestWorld, type TestWorld } from "../testing/fixtures.ts";
import { type CapturedLog, captureLog } from "../testing/log-capture.ts";
import { openConversation, waitFor } from "../testing/raw-conversation.ts";
import { parseRawResponse, rawExchange } from "../testing/raw-http.ts";
import { echoWebSockets } from "../testing/ws-backends.ts";

interface Rig {
  readonly w: TestWorld;
  readonly log: CapturedLog;
}

async function rig(t: TestContext, boot: Record<string, unknown> = {}, echoes = true) {
  const log = captureLog();
  const w = await startTestWorld({
    sites: [{ id: "bue", backends: 1 }],
    boot: { log: { level: "info", requests: true }, ...boot },
    logger: log.logger,
  });
  const closeEchoes = echoes ? echoWebSockets(w) : async () => {};
  t.after(async () => {
    await closeEchoes();
    await w.close();
  });
  return { w, log };
}

const head = (...lines: string[]) =>
  `${["GET /chat HTTP/1.1", "Host: a.example", ...lines].join("\r\n")}\r\n\r\n`;
const WEBSOCKET = [
  "Connection: Upgrade",
  "Upgrade: websocket",
  "Sec-WebSocket-Version: 13",
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
];
const H2C = [
  "Connection: Upgrade, HTTP2-Settings",
  "Upgrade: h2c",
  "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA",
];

test("Upgrade: h2c is served as plain HTTP/1.1 with the upgrade dropped", async (t) => {
  const { w } = await rig(t, {}, false);
  const answer = parseRawResponse(
    await rawExchange(w.gateway("bue").url, head(...H2C, "Connection: close")),
  );
  assert.equal(answer.status, 200);
  const seen = JSON.parse(answer.body) as { headers: Record<string, string> };
  for (const name of ["upgrade", "http2-settings"])
    assert.equal(seen.headers[name], undefined, name);
  assert.doesNotMatch(seen.headers.connection ?? "", /upgrade/i);
});

const curl = await promisify(execFile)("curl", ["--version"]).then(
  () => true,
  () => false,
);

test("curl --http2 against the gateway gets its answer over HTTP/1.1", {
  skip: curl ? false : "curl is not installed",
}, async (t) => {
  const { w } = await rig(t, {}, false);
  const { stdout } = await promisify(execFile)("curl", [
    ...["-s", "--http2", "-m", "5", "-w", "\\n%{http_code} %{http_version}"],
    `${w.gateway("bue").url}/via-curl`,
  ]);
  const [body = "", status = ""] = stdout.split("\n");
  assert.equal(status, "200 1.1");
  assert.equal((JSON.parse(body) as { path: string }).path, "/via-curl");
});

for (const [name, lines] of [
  ["an Upgrade to another protocol", ["Connection: Upgrade", "Upgrade: foo/1"]],
  [
    "a WebSocket upgrade with POST",
    ["Connection: Upgrade", "Upgrade: websocket", "Content-Length: 0"],
  ],
] as const) {
  test(`${name} is refused 403 upgrade_not_supported and reaches no backend`, async (t) => {
    const { w } = await rig(t, {}, false);
    const request = name.includes("POST") ? head(...lines).replace("GET", "POST") : head(...lines);
    const answered = (text: string) => /\r\n\r\n\{.*\}$/s.test(text); // kept alive: no close
    const answer = parseRawResponse(await rawExchange(w.gateway("bue").url, request, answered));
    assert.equal(answer.status, 403);
    assert.equal(JSON.parse(answer.body).code, "upgrade_not_supported");
    assert.equal(siteHits(w, "bue"), 0);
  });
}

/** An upgrade on a conversation; resolves once the 101 head is in. */
async function upgraded(
  t: TestContext,
  r: Rig,
): Promise<{ socket: Socket; closed: Promise<number> }> {
  const c = openConversation(t, r.w.gateway("bue").url);
  c.socket.write(head(...WEBSOCKET));
  await waitFor(
    () => c.received().startsWith("HTTP/1.1 101 ") && c.received().includes("\r\n\r\n"),
    "the 101",
  );
  return { socket: c.socket, closed: c.closed(10_000) };
}

test("an upgrade is logged and counted like a request once its connection closes", async (t) => {
  const r = await rig(t);
  const { socket, closed } = await upgraded(t, r);
  socket.end();
  await closed;
  await waitFor(() => r.log.said("upgrade").length === 1, "the access-log line");
  const [line] = r.log.said("upgrade");
  assert.deepEqual(
    [line?.status, line?.code, line?.served, line?.path],
    [101, "ok", "bue", "/chat"],
  );
  assert.equal(line?.client, "127.0.0.1");
  const metrics = await (await fetch(`${r.w.gateway("bue").adminUrl}/metrics`)).text();
  assert.match(metrics, /^gateway_upgrades_total\{site="bue",status="101",code="ok"\} 1$/m);
  assert.match(metrics, /^gateway_upgrades_active 0$/m);
});

test("an upgraded connection silent both ways for upgradeIdleTimeoutMs is closed, logged idle_timeout", async (t) => {
  const r = await rig(t, { limits: { upgradeIdleTimeoutMs: 300 } });
  const { closed } = await upgraded(t, r);
  await closed;
  await waitFor(() => r.log.said("upgrade").length === 1, "the access-log line");
  assert.deepEqual(
    r.log.said("upgrade").map((l) => [l.status, l.code]),
    [[101, "idle_timeout"]],
  );
});

test("a backend that takes the upgrade request and never answers gets 504 after the try timeout", async (t) => {
  const log = captureLog();
  const w = await startTestWorld({
    sites: [{ id: "bue", backends: 1 }],
    policy: {
      defaults: { retry: { perTryTimeoutMs: 300 } },
      services: [{ name: "web", hosts: ["*"] }],
    },
    boot: { log: { level: "info", requests: true } },
    logger: log.logger,
  });
  const held: Socket[] = [];
  for (const backend of w.backends.get("bue") ?? [])
    backend.server.on("upgrade", (_req, socket: Socket) => held.push(socket));
  t.after(async () => {
    for (const socket of held) socket.destroy();
    await w.close();
  });
  const answer = parseRawResponse(await rawExchange(w.gateway("bue").url, head(...WEBSOCKET)));
  assert.equal(answer.status, 504);
  const problem = JSON.parse(answer.body);
  assert.equal(problem.code, "upstream_timeout");
  await waitFor(() => log.said("upgrade").length === 1, "the access-log line");
  const [line] = log.said("upgrade");
  assert.deepEqual(
    [line?.status, line?.code, line?.reqId],
    [504, "upstream_timeout", problem.requestId],
  );
});

/**
 * A listener that never accepts: a child process listens with a backlog of 1, then blocks its
 * event loop; once its accept queue is full (filled here), the kernel drops new SYNs, so a
 * connect to it hangs — the case `upstream.connectTimeoutMs` is for.
 */
async function unacceptingListener(t: TestContext): Promise<string> {
  const child = spawn(
    process.execPath,
    [
      "-e",
      `const s = require("node:net").createServer();
       s.listen({ host: "127.0.0.1", port: 0, backlog: 1 }, () => {
         process.stdout.write(s.address().port + "\\n", () =>
           Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0));
       });`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  t.after(() => child.kill("SIGKILL"));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once("exit", (code) => reject(new Error(`the listener exited (${code})`)));
  });
  await new Promise((resolve) => setTimeout(resolve, 100)); // blocked by now
  const fillers: Socket[] = [];
  t.after(() => {
    for (const socket of fillers) socket.destroy();
  });
  for (let i = 0; i < 4; i++) {
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => {});
    fillers.push(socket);
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  return `127.0.0.1:${port}`;
}

test("an upgrade whose backend never completes the TCP connect gets 504 after connectTimeoutMs", async (t) => {
  const address = await unacceptingListener(t);
  const log = captureLog();
  const w = await startTestWorld({
    sites: [{ id: "bue", addresses: [address] }],
    policy: {
      defaults: { retry: { perTryTimeoutMs: 10_000 } },
      services: [{ name: "web", hosts: ["*"] }],
    },
    boot: {
      upstream: { connectTimeoutMs: 300 },
      probes: { enabled: false },
      log: { level: "info", requests: true },
    },
    logger: log.logger,
  });
  t.after(() => w.close());
  const answer = parseRawResponse(await rawExchange(w.gateway("bue").url, head(...WEBSOCKET)));
  assert.equal(answer.status, 504);
  const problem = JSON.parse(answer.body);
  assert.equal(problem.code, "upstream_timeout");
  // The connect timeout's own error, not the 10 s handshake (try) timeout's.
  assert.match(problem.detail, /ECONNECT_TIMEOUT/, JSON.stringify(problem));
  await waitFor(() => log.said("upgrade").length === 1, "the access-log line");
  assert.equal(log.said("upgrade")[0]?.code, "upstream_timeout");
});
