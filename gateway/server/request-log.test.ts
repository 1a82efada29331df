// I/O: what the access log and the error log say of a request, read back from a real gateway's
// logger: the client's address (as resolved through trusted proxies), and the cause of every
// 500 internal.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { type TestContext, test } from "node:test";
import pino from "pino";
import type { ClientLocation } from "../../routing-tables/client.ts";
import { eventually, startTestWorld, type TestWorld } from "../testing/fixtures.ts";
import { type CapturedLog, captureLog } from "../testing/log-capture.ts";
import { AccessLog } from "./access-log.ts";
import { accessLogFields, accessLogLine, logRecord, newRecord } from "./request-log.ts";

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

test("the hand-built, batched access-log line is the line pino writes for the same fields", () => {
  const record = {
    ...newRecord("req-1", "192.0.2.9"),
    site: "east",
    service: "web",
    status: 200,
    sitesTried: ["west", "east"],
  };
  const head = { method: "GET", host: "app.example.net", url: "/a?b=c" };
  const pinoLines: string[] = [];
  const ownLines: string[] = [];
  const sink = (into: string[]) =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        into.push(...chunk.toString().split("\n").filter(Boolean));
        done();
      },
    });
  const reference = pino({ base: { site: "here" }, timestamp: false }, sink(pinoLines));
  reference.child({ worker: 2 }).info(accessLogFields(record, head, 0.0123), "request");
  const own = pino({ base: { site: "here" }, timestamp: false }, sink(ownLines)).child({
    worker: 2,
  });
  const started = performance.now() - 12.3;
  const accessLog = new AccessLog(own);
  logRecord({ logger: own, logRequests: true, accessLog }, { ...record, started }, head, "request");
  assert.equal(ownLines.length, 0, "batched until a flush");
  accessLog.stop();
  const drop = ({ ms: _ms, ...rest }: Record<string, unknown>) => rest;
  assert.equal(ownLines.length, 1);
  assert.deepEqual(drop(JSON.parse(ownLines[0] ?? "")), drop(JSON.parse(pinoLines[0] ?? "")));
});

test("no byte a client sends can break the access-log line or add one", () => {
  const hostile = 'x"\n{"level":60,"msg":"forged"}\u2028\u0000\\\ud800';
  const record = { ...newRecord(hostile, hostile), service: "web" };
  const line = accessLogLine(
    record,
    { method: hostile, host: hostile, url: hostile },
    "request",
    0,
    ',"time":1',
  );
  assert.equal(line.indexOf("\n"), line.length - 1, "one line, ended by its newline");
  const parsed = JSON.parse(line) as Record<string, unknown>;
  assert.deepEqual(
    [parsed.path, parsed.host, parsed.reqId, parsed.msg],
    [hostile, hostile, hostile, "request"],
  );
  assert.equal(parsed.level, 30);
});

test("a batch is written once it holds maxBatchChars, and never holds more before it is", () => {
  const writes: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writes.push(chunk.toString());
      done();
    },
  });
  const logger = pino({ timestamp: false, base: null }, sink);
  const accessLog = new AccessLog(logger, { maxBatchChars: 100, flushMs: 60_000 });
  for (let i = 0; i < 10; i++) accessLog.append(`${"x".repeat(39)}\n`);
  accessLog.stop();
  assert.ok(writes.length >= 3, `written in batches (${writes.length})`);
  assert.ok(writes.slice(0, -1).every((w) => w.length >= 100 && w.length < 140));
  assert.equal(writes.join("").length, 400);
});
