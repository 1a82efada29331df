// I/O: clients that stop reading their responses, through a real gateway to real backends.
// A stalled reader must be cut off after sendTimeoutMs, and while it pins an upstream
// connection other requests must not wait unbounded for one: they wait at most
// upstream.queueTimeoutMs, then go elsewhere or are answered 503.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import {
  type BackendBehaviour,
  echo,
  eventually,
  startTestWorld,
  type TestWorld,
} from "../testing/fixtures.ts";
import { captureLog } from "../testing/log-capture.ts";
import { openConversation } from "../testing/raw-conversation.ts";

const BIG = Buffer.alloc(32 * 1024 * 1024, 7);

/** /big answers 32 MiB; anything else is echoed. */
const bigOrEcho: BackendBehaviour = (req, res, name) => {
  if (req.url !== "/big") return echo(req, res, name);
  req.resume();
  res.writeHead(200, { "content-length": BIG.length });
  res.end(BIG);
};

const outstanding = (w: TestWorld, site: string) =>
  w.gateway("near").upstreams.site(site)?.backends[0]?.outstanding ?? -1;

/** A client that asks for /big and never reads. */
function stalledDownload(t: TestContext, w: TestWorld) {
  const c = openConversation(t, w.gateway("near").url);
  c.socket.pause();
  c.socket.write("GET /big HTTP/1.1\r\nHost: a.example\r\n\r\n");
  return c;
}

test("a client that stops reading a large response is cut off after sendTimeoutMs and its upstream freed", async (t) => {
  const log = captureLog();
  const w = await startTestWorld({
    sites: [{ id: "near", backends: 1 }],
    boot: { limits: { sendTimeoutMs: 500 }, log: { level: "info", requests: true } },
    behaviour: bigOrEcho,
    logger: log.logger,
  });
  t.after(() => w.close());
  const c = stalledDownload(t, w);
  await eventually(() => log.said("request").length === 1, 10_000, "the access-log line");
  const [line] = log.said("request");
  assert.deepEqual([line?.status, line?.code], [200, "send_timeout"]);
  await eventually(() => outstanding(w, "near") === 0, 5_000, "the backend's exchange to end");
  // A paused socket notices nothing: reading again, the client finds the connection cut.
  c.socket.resume();
  await c.closed(10_000);
  assert.ok(c.received().length < BIG.length, "the response was not sent whole");
});

async function pinned(t: TestContext, sites: { id: string; tier?: "hub"; longitude: number }[]) {
  const w = await startTestWorld({
    sites: sites.map((s) => ({ ...s, backends: 1 })),
    ingresses: ["near"],
    boot: { upstream: { connections: 2, queueTimeoutMs: 300 } },
    behaviour: bigOrEcho,
  });
  t.after(() => w.close());
  // Two downloads nobody reads hold both of near's connections (sendTimeoutMs is 60 s).
  stalledDownload(t, w);
  stalledDownload(t, w);
  await eventually(() => outstanding(w, "near") === 2, 5_000, "both connections pinned");
  return w;
}

test("with every upstream connection pinned by stalled readers, a request is answered 503 upstream_saturated after queueTimeoutMs", async (t) => {
  const w = await pinned(t, [{ id: "near", longitude: 0 }]);
  const answer = await fetch(`${w.gateway("near").url}/small`, {
    signal: AbortSignal.timeout(5_000),
  });
  assert.equal(answer.status, 503);
  assert.equal(((await answer.json()) as { code: string }).code, "upstream_saturated");
});

test("a request that found its site's connections pinned is served by the next site, at no retry cost", async (t) => {
  const w = await pinned(t, [
    { id: "near", longitude: 0 },
    { id: "hub", tier: "hub", longitude: 10 },
  ]);
  const answer = await fetch(`${w.gateway("near").url}/small`, {
    signal: AbortSignal.timeout(5_000),
  });
  assert.equal(answer.status, 200);
  assert.equal(answer.headers.get("x-gateway-site"), "hub");
  const metrics = await (await fetch(`${w.gateway("near").adminUrl}/metrics`)).text();
  assert.match(metrics, /^gateway_upstream_tries_total\{site="near",outcome="saturated"\} 1$/m);
});
