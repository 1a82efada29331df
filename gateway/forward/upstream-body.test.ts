// The upstream body on its way to the client, through a real gateway and real sockets:
// large bodies under backpressure, a client that leaves mid-body, an upstream that dies
// mid-body, and bodies that arrive before anyone reads them.
import assert from "node:assert/strict";
import { request } from "node:http";
import { test } from "node:test";
import { eventually, startTestWorld, type TestWorld } from "../testing/fixtures.ts";
import { captureLog } from "../testing/log-capture.ts";
import type { Observation } from "./observation.ts";

const MIB = 1024 * 1024;

async function world(
  t: { after: (fn: () => Promise<void>) => void },
  behaviour: Parameters<typeof startTestWorld>[0]["behaviour"],
): Promise<TestWorld> {
  const w = await startTestWorld({
    sites: [
      { id: "here", backends: 1 },
      { id: "hub", tier: "hub", backends: 1 },
    ],
    ...(behaviour && { behaviour }),
  });
  t.after(() => w.close());
  return w;
}

const outstanding = (w: TestWorld) =>
  w.gateway("here").upstreams.site("here")?.backends[0]?.outstanding ?? -1;

/** A byte pattern a reordered or dropped chunk would break. */
const pattern = (size: number) => Buffer.from(Array.from({ length: size }, (_, i) => i % 251));

test("an 8 MiB body read slowly by the client arrives whole and in order", async (t) => {
  const body = pattern(8 * MIB);
  const w = await world(t, (_req, res) => {
    res.writeHead(200, { "content-length": body.length });
    res.end(body);
  });
  const received = await new Promise<Buffer>((resolve, reject) => {
    const req = request(`${w.gateway("here").url}/big`, (res) => {
      const chunks: Buffer[] = [];
      // A slow reader: pause after every chunk, so the gateway has to hold the upstream back.
      res.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        res.pause();
        setImmediate(() => res.resume());
      });
      res.on("end", () => resolve(Buffer.concat(chunks)));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
  assert.equal(received.length, body.length);
  assert.ok(received.equals(body), "the bytes arrive unchanged");
  await eventually(() => outstanding(w) === 0, 5_000, "the exchange to be over");
});

test("a client that leaves mid-body aborts the upstream exchange", async (t) => {
  let upstreamClosed = false;
  const w = await world(t, (_req, res) => {
    res.writeHead(200, { "content-type": "application/octet-stream" });
    res.write(pattern(64 * 1024));
    // Never ends on its own: only an abort from the gateway closes this exchange.
    res.on("close", () => {
      upstreamClosed = true;
    });
  });
  await new Promise<void>((resolve, reject) => {
    const req = request(`${w.gateway("here").url}/endless`, (res) => {
      res.once("data", () => {
        req.destroy();
        resolve();
      });
    });
    req.on("error", () => {});
    req.once("error", reject);
    req.end();
  });
  await eventually(() => upstreamClosed, 5_000, "the upstream connection to be closed");
  await eventually(() => outstanding(w) === 0, 5_000, "the backend's outstanding count back to 0");
});

test("an upstream that dies mid-body cuts the client's response short rather than ending it", async (t) => {
  const w = await world(t, (_req, res) => {
    // Chunked: a gateway that ended its response here would send a clean last chunk.
    res.writeHead(200, { "content-type": "application/octet-stream" });
    res.write(pattern(10_000));
    setImmediate(() => res.destroy());
  });
  const outcome = await new Promise<string>((resolve) => {
    const req = request(`${w.gateway("here").url}/cut`, (res) => {
      res.resume();
      res.on("end", () => resolve("ended"));
      res.on("error", () => resolve("cut"));
      res.on("aborted", () => resolve("cut"));
    });
    req.on("error", () => resolve("cut"));
    req.end();
  });
  assert.equal(outcome, "cut", "a truncated body must not look complete to the client");
  await eventually(() => outstanding(w) === 0, 5_000, "the backend's outstanding count back to 0");
});

test("a small body that arrives with its head is sent once the gateway reads it", async (t) => {
  const w = await world(t, (_req, res) => res.end("tiny"));
  const answer = await fetch(`${w.gateway("here").url}/tiny`);
  assert.equal(answer.status, 200);
  assert.equal(await answer.text(), "tiny");
  assert.equal(outstanding(w), 0);
});

test("an upstream reset mid-body is logged as upstream_reset and reported as a failed try, not a served one", async (t) => {
  const log = captureLog();
  const observed: Observation[] = [];
  const w = await startTestWorld({
    sites: [{ id: "here", backends: 1 }],
    boot: { log: { level: "info", requests: true } },
    logger: log.logger,
    onObservation: (o) => observed.push(o),
    behaviour: (_req, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.write(pattern(10_000));
      setImmediate(() => res.destroy());
    },
  });
  t.after(() => w.close());
  await new Promise<void>((resolve) => {
    const req = request(`${w.gateway("here").url}/cut`, (res) => {
      res.resume();
      res.on("close", resolve);
    });
    req.on("error", () => resolve());
    req.end();
  });
  await eventually(() => log.said("request").length === 1, 5_000, "the access-log line");
  const [line] = log.said("request");
  assert.deepEqual([line?.status, line?.code], [200, "upstream_reset"]);
  await eventually(() => observed.some((o) => o.kind === "tries"), 5_000, "the try's report");
  const tries = observed.flatMap((o) => (o.kind === "tries" ? [o] : []));
  assert.deepEqual(
    tries.map((o) => [o.site, o.servedMs.length, o.failed]),
    [["here", 0, 1]],
    "one report, a failure",
  );
});
