// I/O: header rewriting and body streaming end to end, from a node:http client through a real
// gateway to the echo backend (which answers with the method, path, headers and body it got).
// headers.test.ts has the pure tables; this checks the wiring around them.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { type IncomingHttpHeaders, type OutgoingHttpHeaders, request } from "node:http";
import { type TestContext, test } from "node:test";
import {
  type BackendBehaviour,
  echo,
  startTestWorld,
  type TestWorld,
} from "../testing/fixtures.ts";
import { FORGEABLE } from "./headers.ts";

const HOST = "shop.example";

async function world(
  t: TestContext,
  boot: Record<string, unknown> = {},
  behaviour: BackendBehaviour = echo,
): Promise<TestWorld> {
  const w = await startTestWorld({ sites: [{ id: "bue", backends: 1 }], boot, behaviour });
  t.after(() => w.close());
  return w;
}

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** One request on its own connection; `body` pieces are written one by one (chunked). */
function send(
  w: TestWorld,
  options: { method?: string; path?: string; headers?: OutgoingHttpHeaders; body?: Buffer[] } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${w.gateway("bue").url}${options.path ?? "/"}`,
      {
        method: options.method ?? "GET",
        agent: false,
        headers: { host: HOST, ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    for (const piece of options.body ?? []) req.write(piece);
    req.end();
  });
}

/** What the echo backend saw; with `body`, the request is a chunked POST. */
async function seen(
  w: TestWorld,
  headers: OutgoingHttpHeaders,
  body?: Buffer[],
): Promise<{ headers: IncomingHttpHeaders; reply: Reply }> {
  const reply = await send(w, body ? { method: "POST", headers, body } : { headers });
  assert.equal(reply.status, 200);
  return { headers: JSON.parse(reply.body.toString()).headers, reply };
}

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

test("hop-by-hop headers and those named in Connection are not forwarded; of TE only trailers", async (t) => {
  const w = await world(t);
  const { headers } = await seen(
    w,
    {
      connection: "close, X-Secret",
      "x-secret": "do not pass",
      "keep-alive": "timeout=5",
      te: "trailers, deflate",
      trailer: "x-checksum",
      upgrade: "h2c", // not named in Connection: an ordinary request that must not upgrade
      "proxy-authorization": "Basic dXNlcjpwdw==",
      "proxy-connection": "keep-alive",
      "x-kept": "yes",
    },
    [Buffer.from("a chunked body, so that Trailer is allowed")],
  );
  for (const name of [
    "x-secret",
    "keep-alive",
    "trailer",
    "upgrade",
    "proxy-authorization",
    "proxy-connection",
  ]) {
    assert.equal(headers[name], undefined, `${name} forwarded`);
  }
  assert.doesNotMatch(String(headers.connection), /x-secret|close/i);
  // The gateway passes the backend's trailers back, so it may ask for them; nothing else of TE.
  assert.equal(headers.te, "trailers");
  assert.equal(headers["x-kept"], "yes");
  assert.equal(headers.host, HOST);
});

test("from an untrusted peer, spoofed forwarding headers are replaced with the real peer", async (t) => {
  const w = await world(t, { trustedProxies: [] });
  const { headers } = await seen(w, {
    "x-forwarded-for": "6.6.6.6",
    forwarded: "for=6.6.6.6;proto=https",
    "x-forwarded-proto": "https",
    "x-forwarded-host": "evil.example",
    "x-real-ip": "6.6.6.6",
  });
  assert.equal(headers["x-forwarded-for"], "127.0.0.1");
  assert.equal(headers.forwarded, `for=127.0.0.1;host=${HOST};proto=http`);
  assert.equal(headers["x-forwarded-proto"], "http");
  assert.equal(headers["x-forwarded-host"], HOST);
  assert.equal(headers["x-real-ip"], undefined);
  assert.equal(headers.via, "1.1 gw-bue");
});

test("from an untrusted peer, True-Client-IP, CF-Connecting-IP and every client-address header of that family are dropped", async (t) => {
  const w = await world(t, { trustedProxies: [] });
  const forged = Object.fromEntries(FORGEABLE.map((name) => [name, "6.6.6.6"]));
  const { headers } = await seen(w, { ...forged, "x-kept": "yes" });
  for (const name of ["true-client-ip", "cf-connecting-ip", "x-client-ip", "fastly-client-ip"])
    assert.ok(FORGEABLE.includes(name), `${name} is on the list`);
  for (const name of FORGEABLE) assert.equal(headers[name], undefined, `${name} forwarded`);
  assert.equal(headers["x-kept"], "yes");
});

test("from a trusted peer, True-Client-IP and CF-Connecting-IP pass (its CDN may set them)", async (t) => {
  const w = await world(t, { trustedProxies: ["127.0.0.0/8"] });
  const { headers } = await seen(w, {
    "true-client-ip": "203.0.113.9",
    "cf-connecting-ip": "203.0.113.9",
  });
  assert.equal(headers["true-client-ip"], "203.0.113.9");
  assert.equal(headers["cf-connecting-ip"], "203.0.113.9");
});

test("from a trusted peer, the forwarding chain is kept and extended", async (t) => {
  const w = await world(t, { trustedProxies: ["127.0.0.0/8"] });
  const { headers } = await seen(w, {
    "x-forwarded-for": "6.6.6.6",
    forwarded: "for=6.6.6.6",
    "x-forwarded-proto": "https",
    via: "1.1 edge",
  });
  assert.equal(headers["x-forwarded-for"], "6.6.6.6, 127.0.0.1");
  assert.equal(headers.forwarded, `for=6.6.6.6, for=127.0.0.1;host=${HOST};proto=http`);
  assert.equal(headers["x-forwarded-proto"], "https");
  assert.equal(headers["x-forwarded-host"], HOST);
  assert.equal(headers.via, "1.1 edge, 1.1 gw-bue");
});

test("forwarding headers are set when the client sent none", async (t) => {
  const w = await world(t);
  const { headers, reply } = await seen(w, {});
  assert.equal(headers["x-forwarded-for"], "127.0.0.1");
  assert.equal(headers["x-forwarded-proto"], "http");
  assert.equal(headers["x-forwarded-host"], HOST);
  assert.equal(headers.via, "1.1 gw-bue");
  assert.equal(reply.headers.via, "1.1 gw-bue");
});

test("a trusted peer's x-request-id reaches the backend and comes back to the client", async (t) => {
  const w = await world(t, { trustedProxies: ["127.0.0.0/8"] });
  const { headers, reply } = await seen(w, { "x-request-id": "edge-42" });
  assert.equal(headers["x-request-id"], "edge-42");
  assert.equal(reply.headers["x-request-id"], "edge-42");
});

test("an untrusted peer's x-request-id is replaced, and the new one reaches the backend and the client", async (t) => {
  const w = await world(t, { trustedProxies: [] });
  const { headers, reply } = await seen(w, { "x-request-id": "forged-1" });
  const id = headers["x-request-id"];
  assert.ok(typeof id === "string" && id !== "forged-1", `backend saw ${id}`);
  assert.equal(reply.headers["x-request-id"], id);
});

test("siteHeaders true adds x-gateway-ingress and x-gateway-site; false adds neither", async (t) => {
  const on = await send(await world(t, { siteHeaders: true }));
  assert.equal(on.headers["x-gateway-ingress"], "bue");
  assert.equal(on.headers["x-gateway-site"], "bue");
  const off = await send(await world(t, { siteHeaders: false }));
  assert.equal(off.headers["x-gateway-ingress"], undefined);
  assert.equal(off.headers["x-gateway-site"], undefined);
});

test("hop-by-hop headers of the upstream response are not passed to the client", async (t) => {
  const hoppy: BackendBehaviour = (req, res) => {
    req.resume();
    res.writeHead(200, {
      connection: "x-hop",
      "x-hop": "1",
      "keep-alive": "timeout=99, max=7",
      "proxy-authenticate": "Basic",
      "x-end-to-end": "kept",
      "content-length": "2",
    });
    res.end("ok");
  };
  const w = await world(t, {}, hoppy);
  const reply = await send(w, { headers: { connection: "close" } });
  assert.equal(reply.status, 200);
  assert.equal(reply.headers["x-hop"], undefined);
  assert.equal(reply.headers["proxy-authenticate"], undefined);
  assert.notEqual(reply.headers["keep-alive"], "timeout=99, max=7");
  assert.equal(reply.headers.connection, "close");
  assert.equal(reply.headers["x-end-to-end"], "kept");
  assert.equal(reply.body.toString(), "ok");
});

test("a 100 KiB request body streams through intact", async (t) => {
  const w = await world(t);
  const body = Buffer.from(randomBytes(50 * 1024).toString("hex")); // 100 KiB of text
  const pieces = Array.from({ length: 10 }, (_, i) => body.subarray(i * 10_240, (i + 1) * 10_240));
  const reply = await send(w, { method: "POST", path: "/upload", body: pieces });
  assert.equal(reply.status, 200);
  const echoed = JSON.parse(reply.body.toString());
  assert.equal(echoed.method, "POST");
  assert.equal(echoed.headers["transfer-encoding"], "chunked");
  assert.equal(sha256(Buffer.from(echoed.body)), sha256(body));
});

test("a 5 MB response body streams through intact", async (t) => {
  const big = randomBytes(5 * 1024 * 1024);
  const streamsBig: BackendBehaviour = (req, res) => {
    req.resume();
    res.writeHead(200, { "content-type": "application/octet-stream" });
    let offset = 0;
    const more = () => {
      while (offset < big.length) {
        const piece = big.subarray(offset, offset + 65_536);
        offset += piece.length;
        if (!res.write(piece)) return void res.once("drain", more);
      }
      res.end();
    };
    more();
  };
  const w = await world(t, {}, streamsBig);
  const reply = await send(w, { path: "/big" });
  assert.equal(reply.status, 200);
  assert.equal(reply.body.length, big.length);
  assert.equal(sha256(reply.body), sha256(big));
});
