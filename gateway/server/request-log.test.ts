// I/O: what the access log and the error log say of a request, read back from a real gateway's
// logger: the client's address (as resolved through trusted proxies), and the cause of every
// 500 internal.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import type { ClientLocation } from "../../routing-tables/client.ts";
import { eventually, startTestWorld, type TestWorld } from "../testing/fixtures.ts";
import { type CapturedLog, captureLog } from "../testing/log-capture.ts";

async function world(
  t: TestContext,
  trustedProxies: string[],
  locate?: (address: string) => ClientLocation,
): Promise<{ w: TestWorld; log: CapturedLog }> {
  const log = captureLog();
  const w = await startTestWorld({
    sites: [{ id: "bue", backends: 1 }],
    boot: { trustedProxies, log: { level: "info", requests: true } },
    logger: log.logger,
    ...(locate && { locate }),
  });
  t.after(() => w.close());
  return { w, log };
}

const lineOf = async (log: CapturedLog, id: string | null) => {
  await eventually(() => log.said("request").some((l) => l.reqId === id), 5_000, "the line");
  return log.said("request").find((l) => l.reqId === id);
};

test("the access log names the client a trusted proxy reported", async (t) => {
  const { w, log } = await world(t, ["127.0.0.0/8"]);
  const res = await fetch(w.gateway("bue").url, { headers: { "x-forwarded-for": "203.0.113.7" } });
  await res.text();
  const line = await lineOf(log, res.headers.get("x-request-id"));
  assert.equal(line?.client, "203.0.113.7");
  assert.equal(line?.status, 200);
});

test("the access log names the socket peer when the peer is not trusted, whatever it claims", async (t) => {
  const { w, log } = await world(t, []);
  const res = await fetch(w.gateway("bue").url, { headers: { "x-forwarded-for": "203.0.113.7" } });
  await res.text();
  assert.equal((await lineOf(log, res.headers.get("x-request-id")))?.client, "127.0.0.1");
});

test("a 500 internal logs its cause under the request id", async (t) => {
  const broken = () => {
    throw new RangeError("the locator broke");
  };
  const { w, log } = await world(t, [], broken);
  const res = await fetch(w.gateway("bue").url);
  assert.equal(res.status, 500);
  const problem = (await res.json()) as { code: string; requestId: string };
  assert.equal(problem.code, "internal");
  await eventually(() => log.said("internal error").length > 0, 5_000, "the error line");
  const [error] = log.said("internal error");
  assert.equal(error?.reqId, problem.requestId);
  assert.match(JSON.stringify(error?.err), /the locator broke/);
});
