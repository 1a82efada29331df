import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { connect, createServer, type Server } from "node:tls";
import { caPem, PKI_SKIP, pemOf, testPair } from "../testing/test-pki.ts";
import { TicketKeyRing, useTicketKeys } from "./ticket-keys.ts";
import type { TicketKeys } from "./tls-material.ts";

const skip = PKI_SKIP;

test("a rotation makes a new current key and keeps the one before as the previous, no older", () => {
  let n = 0;
  const ring = new TicketKeyRing((bytes) => Buffer.alloc(bytes, ++n));
  assert.equal(ring.keys.current[0], 1);
  assert.equal(ring.keys.previous, undefined);
  ring.rotate();
  assert.deepEqual([ring.keys.current[0], ring.keys.previous?.[0]], [2, 1]);
  ring.rotate();
  assert.deepEqual([ring.keys.current[0], ring.keys.previous?.[0]], [3, 2]);
});

test("a random source that gives the wrong length is refused", () => {
  assert.throws(() => new TicketKeyRing((bytes) => Buffer.alloc(bytes - 1)), RangeError);
});

/** A TLS server (a worker's, as far as tickets go) serving `keys`. */
async function worker(t: { after(fn: () => void): void }, keys: TicketKeys) {
  const server: Server = createServer({ ...pemOf(testPair("tickets", { hosts: ["localhost"] })) });
  // Answers one byte, then closes: the client has its ticket before the answer ends.
  server.on("secureConnection", (socket) => socket.end("x"));
  assert.equal(useTicketKeys(server as never, keys), true, "this Node has the ticket callback");
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => server.close());
  return { server, port: (server.address() as AddressInfo).port };
}

/** Connects (offering `session`); whether it was resumed, and the ticket it was given. */
function connectOnce(
  port: number,
  session?: Buffer,
): Promise<{ resumed: boolean; ticket?: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: "127.0.0.1",
      port,
      servername: "localhost",
      ca: caPem(),
      ...(session && { session }),
    });
    let ticket: Buffer | undefined;
    socket.on("session", (data: Buffer) => {
      ticket = data;
    });
    socket.once("secureConnect", () => {
      const resumed = socket.isSessionReused();
      // TLS 1.3 tickets arrive after the handshake: wait for the server's close.
      socket.once("close", () => resolve({ resumed, ...(ticket && { ticket }) }));
      socket.resume();
    });
    socket.once("error", reject);
  });
}

test("a session made at one worker resumes at another with the same keys", { skip }, async (t) => {
  const ring = new TicketKeyRing();
  const one = await worker(t, ring.keys);
  const two = await worker(t, ring.keys);
  const first = await connectOnce(one.port);
  assert.equal(first.resumed, false);
  assert.ok(first.ticket, "a ticket was issued");
  assert.equal((await connectOnce(two.port, first.ticket)).resumed, true);
});

test("after one rotation a ticket still resumes; after two it needs a full handshake", {
  skip,
}, async (t) => {
  const ring = new TicketKeyRing();
  const w = await worker(t, ring.keys);
  const first = await connectOnce(w.port);
  useTicketKeys(w.server as never, ring.rotate());
  const afterOne = await connectOnce(w.port, first.ticket);
  assert.equal(afterOne.resumed, true, "the previous key decrypts");
  useTicketKeys(w.server as never, ring.rotate());
  assert.equal((await connectOnce(w.port, first.ticket)).resumed, false, "two rotations on");
});

test("a worker with other keys cannot resume the session (the keys are what is shared)", {
  skip,
}, async (t) => {
  const one = await worker(t, new TicketKeyRing().keys);
  const two = await worker(t, new TicketKeyRing().keys);
  const first = await connectOnce(one.port);
  assert.equal((await connectOnce(two.port, first.ticket)).resumed, false);
});
