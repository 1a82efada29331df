import assert from "node:assert/strict";
import { test } from "node:test";
import { request } from "undici";
import WebSocket from "ws";
import { type BackendBehaviour, echo, eventually } from "../testing/fixtures.ts";
import { captureLog } from "../testing/log-capture.ts";
import { caPem, PKI_SKIP } from "../testing/test-pki.ts";
import {
  h2Request,
  h2Session,
  httpsGet,
  startTlsWorld,
  type TlsWorld,
} from "../testing/tls-world.ts";
import { echoWebSockets } from "../testing/ws-backends.ts";

const skip = PKI_SKIP;

const policy = {
  services: [
    {
      name: "web",
      hosts: ["localhost", "www.example.test"],
      hsts: { enabled: true, maxAgeSeconds: 86_400, includeSubDomains: true },
    },
  ],
};

async function world(t: { after(fn: () => Promise<void> | void): void }, extra: object = {}) {
  const w = await startTlsWorld({ sites: [{ id: "a" }], policy, behaviour: echo, ...extra });
  t.after(() => w.close());
  return w;
}

async function session(t: { after(fn: () => void): void }, w: TlsWorld) {
  const s = await h2Session(w.tlsUrl);
  t.after(() => s.close());
  return s;
}

const seen = (body: string) =>
  JSON.parse(body) as {
    headers: Record<string, string>;
    body: string;
    path: string;
    method: string;
  };

test("an HTTP/2 request reaches its backend as HTTP/1.1, its :authority as Host, marked https", {
  skip,
}, async (t) => {
  const w = await world(t);
  const s = await session(t, w);
  const answer = await h2Request(s, {
    ":path": "/hello?x=1",
    ":authority": `www.example.test:${w.port}`,
  });
  assert.equal(answer.status, 200);
  const { headers, path } = seen(answer.body);
  assert.equal(path, "/hello?x=1");
  assert.equal(headers.host, `www.example.test:${w.port}`);
  assert.equal(headers["x-forwarded-proto"], "https");
  assert.match(headers.forwarded ?? "", /;proto=https$/);
  assert.ok(
    !Object.keys(headers).some((name) => name.startsWith(":")),
    "no pseudo-header upstream",
  );
});

test("cookies sent as several HTTP/2 fields reach the backend as one, joined with '; ' (RFC 9113 §8.2.3)", {
  skip,
}, async (t) => {
  const w = await world(t);
  const s = await session(t, w);
  const answer = await h2Request(s, { ":path": "/", cookie: ["a=1", "b=2", "c=3"] });
  assert.equal(seen(answer.body).headers.cookie, "a=1; b=2; c=3");
});

test("a Host naming another authority than :authority is refused 400", { skip }, async (t) => {
  const w = await world(t);
  const s = await session(t, w);
  const answer = await h2Request(s, {
    ":path": "/",
    ":authority": "localhost",
    host: "evil.example",
  });
  assert.equal(answer.status, 400);
  assert.equal(JSON.parse(answer.body).code, "bad_request");
});

test("an :authority no service serves is answered 421 unknown_host", { skip }, async (t) => {
  const w = await world(t);
  const s = await session(t, w);
  const answer = await h2Request(s, { ":path": "/", ":authority": "other.example.test" });
  assert.equal(answer.status, 421);
  assert.equal(JSON.parse(answer.body).code, "unknown_host");
});

test("an HTTP/2 path is made canonical before routing, and an encoded slash is refused", {
  skip,
}, async (t) => {
  const w = await world(t);
  const s = await session(t, w);
  const canonical = await h2Request(s, { ":path": "/a/./b/../c//d" });
  assert.equal(seen(canonical.body).path, "/a/c/d");
  const escaped = await h2Request(s, { ":path": "/a%2Fb" });
  assert.equal(escaped.status, 400);
  assert.equal(JSON.parse(escaped.body).code, "bad_path");
});

test("a request body without content-length streams to the backend chunked; one with it keeps it", {
  skip,
}, async (t) => {
  const arrived: string[] = [];
  const noting: BackendBehaviour = (req, res, name) => {
    arrived.push(String(req.url));
    echo(req, res, name);
  };
  const w = await world(t, { behaviour: noting });
  const s = await session(t, w);
  // The body's end is sent only once the backend has the head: its length is unknown then.
  const stream = s.request({ ":path": "/unframed", ":method": "POST" }, { endStream: false });
  const chunks: Buffer[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((resolve) => stream.once("end", resolve));
  stream.write("streamed ");
  await eventually(() => arrived.includes("/unframed"), 5_000, "the backend to get the head");
  stream.end("body");
  await ended;
  const unframed = seen(Buffer.concat(chunks).toString());
  assert.equal(unframed.body, "streamed body");
  assert.equal(unframed.headers["transfer-encoding"], "chunked");
  const framed = seen(
    (await h2Request(s, { ":path": "/", ":method": "POST", "content-length": "5" }, "fixed")).body,
  );
  assert.equal(framed.body, "fixed");
  assert.equal(framed.headers["content-length"], "5");
});

test("a body over maxBodyBytes is refused 413 on its stream; the connection serves the next", {
  skip,
}, async (t) => {
  const w = await world(t, { boot: { limits: { maxBodyBytes: 1_000 } } });
  const s = await session(t, w);
  const big = await h2Request(s, { ":path": "/", ":method": "POST" }, Buffer.alloc(50_000, 97));
  assert.equal(big.status, 413);
  assert.equal(JSON.parse(big.body).code, "body_too_large");
  const next = await h2Request(s, { ":path": "/after" });
  assert.equal(next.status, 200);
});

test("te: trailers goes upstream, and the backend's trailers reach the HTTP/2 client", {
  skip,
}, async (t) => {
  const trailing: BackendBehaviour = (req, res) => {
    req.resume();
    res.writeHead(200, { "content-type": "application/grpc", trailer: "grpc-status" });
    res.write(`te=${req.headers.te}`);
    res.addTrailers({ "grpc-status": "0", "grpc-message": "fine" });
    res.end();
  };
  const w = await world(t, { behaviour: trailing });
  const s = await session(t, w);
  const answer = await h2Request(
    s,
    { ":path": "/svc/Method", ":method": "POST", te: "trailers" },
    "x",
  );
  assert.equal(answer.body, "te=trailers");
  assert.equal(answer.trailers["grpc-status"], "0");
  assert.equal(answer.trailers["grpc-message"], "fine");
});

test("a large response streams whole to an HTTP/2 client under flow control", {
  skip,
}, async (t) => {
  const size = 8 * 1024 * 1024;
  const large: BackendBehaviour = (req, res) => {
    req.resume();
    res.writeHead(200, { "content-length": size });
    const chunk = Buffer.alloc(64 * 1024, 120);
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
      res.end();
    };
    pump();
  };
  const w = await world(t, { behaviour: large });
  const s = await session(t, w);
  const answer = await h2Request(s, { ":path": "/large" });
  assert.equal(answer.status, 200);
  assert.equal(answer.body.length, size);
});

test("the access log names the TLS version and the ALPN protocol of each request", {
  skip,
}, async (t) => {
  const log = captureLog();
  const w = await world(t, {
    logger: log.logger,
    boot: { log: { level: "info", requests: true } },
  });
  const s = await session(t, w);
  await h2Request(s, { ":path": "/h2" });
  await httpsGet(`${w.localUrl}/h1`);
  await fetch(`${w.gateway("a").url}/plain`).then((res) => res.text());
  const byPath = (path: string) => log.said("request").find((line) => line.path === path);
  await eventually(
    () => ["/h2", "/h1", "/plain"].every((path) => byPath(path) !== undefined),
    5_000,
    "three access-log lines (they are batched)",
  );
  assert.equal(byPath("/h2")?.alpn, "h2");
  assert.match(String(byPath("/h2")?.tls), /^TLSv1\.[23]$/);
  assert.equal(byPath("/h2")?.host, `localhost:${w.port}`);
  assert.equal(byPath("/h1")?.alpn, "http/1.1");
  assert.equal(byPath("/plain")?.tls, undefined);
});

test("CONNECT over HTTP/2 is refused 400 open_proxy_refused", { skip }, async (t) => {
  const w = await world(t);
  const s = await session(t, w);
  const answer = await h2Request(s, {
    ":method": "CONNECT",
    ":authority": "elsewhere.example:443",
  });
  assert.equal(answer.status, 400);
  assert.equal(JSON.parse(answer.body).code, "open_proxy_refused");
});

test("HSTS goes with a service's answers over HTTPS, never over plain HTTP", {
  skip,
}, async (t) => {
  const w = await world(t);
  const s = await session(t, w);
  const secure = await h2Request(s, { ":path": "/" });
  assert.equal(secure.headers["strict-transport-security"], "max-age=86400; includeSubDomains");
  const h1 = await httpsGet(`${w.localUrl}/`);
  assert.equal(h1.headers["strict-transport-security"], "max-age=86400; includeSubDomains");
  // undici's request, not fetch: fetch will not send a Host of the caller's.
  const plain = await request(`${w.gateway("a").url}/`, { headers: { host: "localhost" } });
  await plain.body.dump();
  assert.equal(plain.statusCode, 200, "served over plain HTTP");
  assert.equal(plain.headers["strict-transport-security"], undefined);
});

test("a WebSocket over HTTP/1.1 on the TLS listener is proxied to a backend", {
  skip,
}, async (t) => {
  const w = await world(t);
  const closeSockets = echoWebSockets(w);
  t.after(closeSockets);
  const ws = new WebSocket(`wss://localhost:${w.port}/chat`, { ca: caPem() });
  t.after(() => ws.terminate());
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  const echoed = new Promise<string>((resolve) =>
    ws.once("message", (data) => resolve(String(data))),
  );
  ws.send("over tls");
  assert.equal(await echoed, "over tls");
});

test("Expect: 100-continue over HTTP/2: the 100 comes when the body is read, never before a refusal", {
  skip,
}, async (t) => {
  const w = await world(t, { boot: { limits: { maxBodyBytes: 1_000 } } });
  const s = await session(t, w);
  const ask = (length: number) =>
    new Promise<{ continued: boolean; status: number; body: string }>((resolve, reject) => {
      const stream = s.request(
        {
          ":path": "/upload",
          ":method": "POST",
          expect: "100-continue",
          "content-length": String(length),
        },
        { endStream: false },
      );
      let continued = false;
      let status = 0;
      const chunks: Buffer[] = [];
      stream.on("continue", () => {
        continued = true;
        stream.end(Buffer.alloc(length, 97));
      });
      stream.on("response", (head) => {
        status = Number(head[":status"]);
      });
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () =>
        resolve({ continued, status, body: Buffer.concat(chunks).toString() }),
      );
      stream.on("error", reject);
    });
  const small = await ask(10);
  assert.deepEqual([small.continued, small.status], [true, 200]);
  assert.equal(JSON.parse(small.body).body, "a".repeat(10));
  const big = await ask(5_000);
  assert.deepEqual([big.continued, big.status], [false, 413], "refused on its head, no 100");
});
