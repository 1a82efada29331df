/**
 * HTTP/2 abuse, sent frame by frame (testing/raw-h2.ts): each test sends what an attacker
 * would, checks the offending connection is closed (with the GOAWAY code where one can be
 * read), that the gateway still serves a well-behaved client, and what the metric says.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually, gate } from "../testing/fixtures.ts";
import {
  ERROR,
  FRAME,
  frame,
  headerBlock,
  headers,
  ping,
  rawH2,
  requestFields,
  rstStream,
  settings,
} from "../testing/raw-h2.ts";
import { PKI_SKIP } from "../testing/test-pki.ts";
import { h2Request, h2Session, startTlsWorld, type TlsWorld } from "../testing/tls-world.ts";

const skip = PKI_SKIP;
const policy = { services: [{ name: "web", hosts: ["*"] }] };

async function world(t: { after(fn: () => Promise<void>): void }, extra: object = {}) {
  const w = await startTlsWorld({ sites: [{ id: "a" }], policy, ...extra });
  t.after(() => w.close());
  return w;
}

/** A well-behaved client is served by the gateway (after the abuse). */
async function stillServes(w: TlsWorld): Promise<void> {
  const session = await h2Session(w.tlsUrl);
  try {
    assert.equal((await h2Request(session, { ":path": "/fine" })).status, 200);
  } finally {
    session.close();
  }
}

async function closedFor(w: TlsWorld, reason: string): Promise<void> {
  const text = async () => (await fetch(`${w.gateway("a").adminUrl}/metrics`)).text();
  const line = `gateway_h2_sessions_closed_total{reason="${reason}"} 1`;
  await eventually(async () => (await text()).includes(line), 5_000, line);
}

/** HEADERS then RST_STREAM for `count` streams, from stream id `first`, in one write. */
function resets(first: number, count: number): Buffer[] {
  const frames: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const id = first + 2 * i;
    frames.push(headers(id, headerBlock(requestFields("/reset"))), rstStream(id));
  }
  return frames;
}

test("rapid reset: past maxClientResetsPerSecond the client gets GOAWAY ENHANCE_YOUR_CALM and is cut off", {
  skip,
}, async (t) => {
  const w = await world(t, { tls: { http2: { maxClientResetsPerSecond: 50 } } });
  const client = await rawH2(w.port);
  client.send(...resets(1, 500));
  assert.equal(await client.goaway, ERROR.ENHANCE_YOUR_CALM);
  await client.closed;
  await closedFor(w, "rapid_reset");
  await stillServes(w);
});

test("a client that resets fewer streams than the limit keeps its connection", {
  skip,
}, async (t) => {
  const w = await world(t, { tls: { http2: { maxClientResetsPerSecond: 50 } } });
  const client = await rawH2(w.port);
  t.after(() => client.close());
  client.send(...resets(1, 20), headers(41, headerBlock(requestFields("/after"))));
  await eventually(
    () => client.frames().some((f) => f.type === FRAME.HEADERS && f.stream === 41),
    5_000,
    "the answer on stream 41",
  );
  assert.ok(!client.frames().some((f) => f.type === FRAME.GOAWAY), "no GOAWAY");
});

test("a PING flood whose acknowledgements go unread closes the connection", { skip }, async (t) => {
  const w = await world(t);
  const client = await rawH2(w.port);
  client.socket.pause();
  const many = Buffer.concat(Array.from({ length: 20_000 }, () => ping()));
  for (let i = 0; i < 25; i++) client.socket.write(many);
  await closedFor(w, "flood");
  client.socket.resume();
  await client.closed;
  await stillServes(w);
});

test("a SETTINGS flood whose acknowledgements go unread closes the connection", {
  skip,
}, async (t) => {
  const w = await world(t);
  const client = await rawH2(w.port);
  client.socket.pause();
  const many = Buffer.concat(Array.from({ length: 20_000 }, () => settings()));
  for (let i = 0; i < 25; i++) client.socket.write(many);
  await closedFor(w, "flood");
  client.socket.resume();
  await client.closed;
  await stillServes(w);
});

test("a SETTINGS frame with more entries than maxSettingsEntries gets GOAWAY ENHANCE_YOUR_CALM", {
  skip,
}, async (t) => {
  const w = await world(t);
  const client = await rawH2(w.port);
  client.send(settings(Array.from({ length: 40 }, (_, i) => [0x3, 100 + i] as const)));
  assert.equal(await client.goaway, ERROR.ENHANCE_YOUR_CALM);
  await client.closed;
  await stillServes(w);
});

test("empty DATA frames past maxInvalidFrames close the connection", { skip }, async (t) => {
  const w = await world(t, { tls: { http2: { maxInvalidFrames: 50 } } });
  const client = await rawH2(w.port);
  const empty = Array.from({ length: 200 }, () => frame(FRAME.DATA, 0, 1));
  client.send(headers(1, headerBlock(requestFields("/upload", "POST")), false), ...empty);
  assert.notEqual(await client.goaway, ERROR.NO_ERROR);
  await client.closed;
  await closedFor(w, "err_http2_too_many_invalid_frames");
  await stillServes(w);
});

test("streams past maxConcurrentStreams are refused, and past maxInvalidFrames the connection closes", {
  skip,
}, async (t) => {
  const held = gate();
  const w = await world(t, {
    behaviour: held.behaviour,
    tls: { http2: { maxConcurrentStreams: 10, maxInvalidFrames: 20 } },
  });
  t.after(async () => held.release());
  const client = await rawH2(w.port);
  const opened = Array.from({ length: 60 }, (_, i) =>
    headers(1 + 2 * i, headerBlock(requestFields(`/s${i}`))),
  );
  client.send(...opened);
  await client.closed;
  const refused = client
    .frames()
    .filter(
      (f) => f.type === FRAME.RST_STREAM && f.payload.readUInt32BE(0) === ERROR.REFUSED_STREAM,
    );
  assert.ok(refused.length >= 20, `${refused.length} streams refused`);
  held.release();
  await stillServes(w);
});

test("a header block that never ends (a CONTINUATION flood) closes the connection", {
  skip,
}, async (t) => {
  const w = await world(t);
  const client = await rawH2(w.port);
  const filler = headerBlock([["x-filler", "y".repeat(1_000)]]);
  const continuations = Array.from({ length: 200 }, () => frame(FRAME.CONTINUATION, 0, 1, filler));
  client.send(headers(1, headerBlock(requestFields("/c")), true, false), ...continuations);
  await client.closed;
  assert.ok(!client.frames().some((f) => f.type === FRAME.HEADERS), "nothing was answered");
  await stillServes(w);
});

test("a header list over maxHeaderBytes is answered 431 on its stream; the connection serves the next", {
  skip,
}, async (t) => {
  const w = await world(t);
  const session = await h2Session(w.tlsUrl);
  t.after(async () => session.close());
  const big = { ":path": "/", "x-a": "z".repeat(10_000), "x-b": "z".repeat(10_000) };
  assert.equal((await h2Request(session, big)).status, 431);
  assert.equal((await h2Request(session, { ":path": "/next" })).status, 200);
});

test("more header fields than maxHeaderFields reset the stream, not the connection", {
  skip,
}, async (t) => {
  const w = await world(t, { tls: { http2: { maxHeaderFields: 32 } } });
  const session = await h2Session(w.tlsUrl);
  t.after(async () => session.close());
  const many: Record<string, string> = { ":path": "/" };
  for (let i = 0; i < 64; i++) many[`x-h${i}`] = "v";
  await assert.rejects(h2Request(session, many), /ENHANCE_YOUR_CALM/);
  assert.equal((await h2Request(session, { ":path": "/next" })).status, 200);
});

test("a connection with no stream open for idleTimeoutMs gets GOAWAY NO_ERROR and is closed", {
  skip,
}, async (t) => {
  const w = await world(t, { tls: { http2: { idleTimeoutMs: 200 } } });
  const client = await rawH2(w.port);
  // PINGs open no stream: they do not keep an idle connection open.
  client.send(ping(), ping());
  assert.equal(await client.goaway, ERROR.NO_ERROR);
  await client.closed;
  await closedFor(w, "idle");
});

test("a connection older than maxSessionMs gets GOAWAY; the stream it has open still finishes", {
  skip,
}, async (t) => {
  const held = gate();
  const w = await world(t, { behaviour: held.behaviour, tls: { http2: { maxSessionMs: 300 } } });
  const client = await rawH2(w.port);
  client.send(headers(1, headerBlock(requestFields("/slow"))));
  await eventually(() => held.held() === 1, 5_000, "the request at the backend");
  assert.equal(await client.goaway, ERROR.NO_ERROR);
  held.release();
  await client.closed;
  const answered = client.frames().some((f) => f.type === FRAME.HEADERS && f.stream === 1);
  assert.ok(answered, "stream 1 was answered after the GOAWAY");
  await closedFor(w, "max_age");
});
