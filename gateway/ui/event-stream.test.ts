import assert from "node:assert/strict";
import { createServer, type Server, type ServerResponse } from "node:http";
import { connect } from "node:net";
import { test } from "node:test";
import { openEvents } from "../testing/event-reader.ts";
import { eventually } from "../testing/fixtures.ts";
import { EventHub, type Producer, type StreamSettings } from "./event-stream.ts";

const INTERVAL_MS = 20;
const FAST: StreamSettings = {
  heartbeatMs: 60_000,
  maxStreams: 4,
  stallMs: 60_000,
  retryMs: 1_000,
};

/** A hub behind a real server on port 0: GET /<channel> opens a stream, 503 when full. */
async function serveHub(
  producers: Record<string, Producer>,
  settings: Partial<StreamSettings> = {},
  onStream: (res: ServerResponse) => void = () => {},
  intervalMs = INTERVAL_MS,
): Promise<{ hub: EventHub; url: string; server: Server; errors: string[] }> {
  const errors: string[] = [];
  const sources = Object.fromEntries(
    Object.entries(producers).map(([name, produce]) => [name, { produce, intervalMs }]),
  );
  const hub = new EventHub(sources, { ...FAST, ...settings }, (channel, error) => {
    errors.push(`${channel}: ${error.message}`);
  });
  const server = createServer((req, res) => {
    if (hub.open((req.url ?? "/").slice(1), res)) onStream(res);
    else res.writeHead(503).end("full");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { hub, url: `http://127.0.0.1:${port}`, server, errors };
}

function closeAll(served: { hub: EventHub; server: Server }): Promise<void> {
  served.hub.close();
  return new Promise((resolve) => served.server.close(() => resolve()));
}

test("a new stream gets the view at once, then an event only when the view changes", async (t) => {
  let value = 1;
  let produced = 0;
  const served = await serveHub({
    view: async () => {
      produced += 1;
      return { value };
    },
  });
  t.after(() => closeAll(served));
  const reader = await openEvents(`${served.url}/view`);
  t.after(() => reader.close());
  assert.equal(reader.status, 200);
  assert.match(reader.contentType ?? "", /^text\/event-stream/);
  await eventually(() => reader.events.length === 1, 5_000, "the first view");
  assert.deepEqual(JSON.parse(reader.events[0]?.data ?? ""), { value: 1 });
  assert.equal(reader.events[0]?.event, "view");
  const before = produced;
  await eventually(() => produced >= before + 5, 5_000, "five more ticks");
  assert.equal(reader.events.length, 1, "unchanged views are not sent again");
  value = 2;
  await eventually(() => reader.events.length === 2, 5_000, "the changed view");
  assert.deepEqual(JSON.parse(reader.events[1]?.data ?? ""), { value: 2 });
  assert.ok(Number(reader.events[1]?.id) > Number(reader.events[0]?.id), "ids increase");
});

test("a quiet stream gets heartbeat comments", async (t) => {
  const served = await serveHub({ view: async () => ({ same: true }) }, { heartbeatMs: 50 });
  t.after(() => closeAll(served));
  const reader = await openEvents(`${served.url}/view`);
  t.after(() => reader.close());
  await eventually(() => reader.comments() >= 3, 5_000, "three heartbeats");
  assert.equal(reader.events.length, 1);
});

test("a stream over maxStreams is refused, and a freed place can be taken again", async (t) => {
  const served = await serveHub({ view: async () => ({}) }, { maxStreams: 2 });
  t.after(() => closeAll(served));
  const first = await openEvents(`${served.url}/view`);
  const second = await openEvents(`${served.url}/view`);
  t.after(() => second.close());
  const third = await fetch(`${served.url}/view`);
  assert.equal(third.status, 503);
  assert.equal(served.hub.count(), 2);
  first.close();
  await eventually(() => served.hub.count() === 1, 5_000, "the closed stream to leave");
  const again = await openEvents(`${served.url}/view`);
  t.after(() => again.close());
  assert.equal(again.status, 200);
});

test("a view still being produced is not produced again", async (t) => {
  let calls = 0;
  let ticks = 0;
  let release: () => void = () => {};
  const served = await serveHub({
    slow: () => {
      calls += 1;
      return new Promise((resolve) => {
        release = () => resolve({ calls });
      });
    },
    // A second channel on the same interval: its productions count the ticks that pass.
    clock: async () => ({ tick: ++ticks }),
  });
  t.after(() => closeAll(served));
  const reader = await openEvents(`${served.url}/slow`);
  const clock = await openEvents(`${served.url}/clock`);
  t.after(() => {
    reader.close();
    clock.close();
  });
  await eventually(() => calls === 1, 5_000, "the first production");
  const from = ticks;
  await eventually(() => ticks >= from + 5, 5_000, "five ticks");
  assert.equal(calls, 1, "no second production while the first runs");
  release();
  await eventually(() => reader.events.length === 1, 5_000, "the view");
  await eventually(() => calls === 2, 5_000, "the next production once the first ended");
});

test("a client that reads nothing holds at most two views in memory and is cut after stallMs", async (t) => {
  const viewBytes = 256 * 1024;
  let n = 0;
  const streams: ServerResponse[] = [];
  let buffered = 0;
  const served = await serveHub(
    { big: async () => ({ n: n++, pad: "x".repeat(viewBytes) }) },
    { stallMs: 400 },
    (res) => streams.push(res),
  );
  t.after(() => closeAll(served));
  const socket = connect(Number(new URL(served.url).port), "127.0.0.1");
  t.after(() => socket.destroy());
  socket.pause(); // never reads: the kernel's buffers fill, then the response's
  socket.write("GET /big HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  await eventually(() => streams.length === 1, 5_000, "the stream");
  const watch = setInterval(() => {
    buffered = Math.max(buffered, streams[0]?.writableLength ?? 0);
  }, 2);
  t.after(() => clearInterval(watch));
  await eventually(() => served.hub.count() === 0, 10_000, "the stalled stream to be cut");
  assert.ok(n > 10, `${n} views produced while it stalled`);
  assert.ok(buffered <= 2 * viewBytes + 64 * 1024, `${buffered} bytes buffered at most`);
});

test("close ends every stream and refuses new ones", async (t) => {
  const served = await serveHub({ view: async () => ({}) });
  t.after(() => new Promise<void>((resolve) => served.server.close(() => resolve())));
  const reader = await openEvents(`${served.url}/view`);
  await eventually(() => reader.events.length === 1, 5_000, "the first view");
  served.hub.close();
  await eventually(() => reader.ended(), 5_000, "the stream to end");
  assert.equal((await fetch(`${served.url}/view`)).status, 503);
});

test("a failing production is reported and sends nothing; the stream stays open", async (t) => {
  let fail = true;
  const served = await serveHub({
    view: async () => {
      if (fail) throw new Error("no answer");
      return { ok: true };
    },
  });
  t.after(() => closeAll(served));
  const reader = await openEvents(`${served.url}/view`);
  t.after(() => reader.close());
  await eventually(() => served.errors.length >= 2, 5_000, "reported failures");
  assert.equal(reader.events.length, 0);
  assert.equal(served.errors[0], "view: no answer");
  fail = false;
  await eventually(() => reader.events.length === 1, 5_000, "the view once it works");
});

test("a poke sends the changed view at once, without waiting for the interval", async (t) => {
  let value = 1;
  const hour = 3_600_000;
  const served = await serveHub({ view: async () => ({ value }) }, {}, () => {}, hour);
  t.after(() => closeAll(served));
  const reader = await openEvents(`${served.url}/view`);
  t.after(() => reader.close());
  await eventually(() => reader.events.length === 1, 5_000, "the first view");
  value = 2;
  served.hub.poke();
  await eventually(() => reader.events.length === 2, 5_000, "the view after the poke");
  assert.deepEqual(JSON.parse(reader.events[1]?.data ?? ""), { value: 2 });
});

test("a channel with minPokeGapMs is produced once per gap however often it is poked, the last change shown", async (t) => {
  let value = 0;
  let produced = 0;
  const sources = {
    view: {
      produce: async () => {
        produced += 1;
        return { value };
      },
      intervalMs: 3_600_000,
      minPokeGapMs: 2_000,
    },
  };
  const hub = new EventHub(sources, FAST, () => {});
  const server = createServer((req, res) => void hub.open((req.url ?? "/").slice(1), res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => closeAll({ hub, server }));
  const { port } = server.address() as { port: number };
  const reader = await openEvents(`http://127.0.0.1:${port}/view`);
  t.after(() => reader.close());
  await eventually(() => reader.events.length === 1, 5_000, "the first view");
  for (let i = 1; i <= 20; i++) {
    value = i;
    hub.poke();
    await new Promise((resolve) => setTimeout(resolve, 60)); // past POKE_DELAY_MS each time
  }
  await eventually(
    () => JSON.parse(reader.events.at(-1)?.data ?? "{}").value === 20,
    10_000,
    "the last change",
  );
  // 20 pokes over a second or so: the first view and one production per 2 s gap, not 20.
  assert.ok(produced <= 5, `${produced} productions`);
});
