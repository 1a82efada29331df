// Header rewriting both ways: hop-by-hop and Connection-listed headers, forwarding headers
// from trusted and untrusted peers, IPv6, repeated headers, Via chains, inputs left alone.
import assert from "node:assert/strict";
import type { IncomingHttpHeaders } from "node:http";
import { test } from "node:test";
import {
  downstreamResponseHeaders,
  type ForwardContext,
  HOP_BY_HOP,
  type OutgoingHeaders,
  upstreamRequestHeaders,
} from "./headers.ts";

const untrusted: ForwardContext = {
  peerAddress: "198.51.100.7",
  peerTrusted: false,
  clientAddress: "198.51.100.7",
  proto: "https",
  host: "shop.example",
  via: "1.1 gw-bue",
};
const trusted: ForwardContext = {
  ...untrusted,
  peerAddress: "10.1.0.5",
  peerTrusted: true,
  clientAddress: "203.0.113.9",
};

/**
 * Headers in shapes Node's parser does not produce (it joins repeated Connection and Via
 * lines itself) but other callers may pass.
 */
const raw = (headers: Record<string, string | string[]>) => headers as IncomingHttpHeaders;

/** Expected values; `undefined` means the header must be absent. */
type Expected = Record<string, string | string[] | undefined>;

function assertHeaders(actual: OutgoingHeaders, expected: Expected): void {
  for (const [name, value] of Object.entries(expected)) {
    if (value === undefined) assert.equal(Object.hasOwn(actual, name), false, `${name} dropped`);
    else assert.deepEqual(actual[name], value, name);
  }
}

for (const name of HOP_BY_HOP) {
  test(`the hop-by-hop header ${name} is not sent upstream`, () => {
    const out = upstreamRequestHeaders(
      { host: "shop.example", [name]: "x", accept: "*/*" },
      untrusted,
    );
    assertHeaders(out, { [name]: undefined, accept: "*/*", host: "shop.example" });
  });
  test(`the hop-by-hop header ${name} is not sent back to the client`, () => {
    const out = downstreamResponseHeaders(
      { [name]: "x", "content-type": "text/plain" },
      { via: "1.1 gw-bue" },
    );
    assertHeaders(out, { [name]: undefined, "content-type": "text/plain" });
  });
}

const requestCases: {
  name: string;
  incoming: IncomingHttpHeaders;
  ctx?: ForwardContext;
  expected: Expected;
}[] = [
  {
    name: "a header named in Connection is dropped (Connection: close, X-Secret)",
    incoming: { connection: "close, X-Secret", "x-secret": "s3", accept: "*/*" },
    expected: { "x-secret": undefined, connection: undefined, accept: "*/*" },
  },
  {
    name: "Connection tokens are matched without regard to case or spaces",
    incoming: { connection: " CLOSE ,x-SeCrEt ", "x-secret": "s3" },
    expected: { "x-secret": undefined },
  },
  {
    name: "every Connection header line counts when it is repeated",
    incoming: raw({ connection: ["keep-alive, x-a", "x-b"], "x-a": "1", "x-b": "2", "x-c": "3" }),
    expected: { "x-a": undefined, "x-b": undefined, "x-c": "3" },
  },
  {
    name: "Host is passed through unchanged, even when Connection names it",
    incoming: { connection: "host", host: "Shop.Example:8443" },
    expected: { host: "Shop.Example:8443" },
  },
  {
    name: "Expect is dropped: Node has answered 100-continue, and undici refuses it",
    incoming: { expect: "100-continue", "content-length": "5" },
    expected: { expect: undefined, "content-length": "5" },
  },
  {
    name: "an untrusted peer's X-Forwarded-For is replaced by the peer address",
    incoming: { "x-forwarded-for": "1.2.3.4, 5.6.7.8" },
    expected: { "x-forwarded-for": "198.51.100.7" },
  },
  {
    name: "an untrusted peer's Forwarded is replaced by our element only",
    incoming: { forwarded: "for=1.2.3.4;proto=https" },
    expected: { forwarded: "for=198.51.100.7;host=shop.example;proto=https" },
  },
  {
    name: "an untrusted peer's X-Forwarded-Proto and -Host are replaced by ours",
    incoming: { "x-forwarded-proto": "http", "x-forwarded-host": "admin.internal" },
    expected: { "x-forwarded-proto": "https", "x-forwarded-host": "shop.example" },
  },
  {
    name: "an untrusted peer's X-Real-IP and X-Forwarded-Port are dropped",
    incoming: { "x-real-ip": "127.0.0.1", "x-forwarded-port": "22" },
    expected: { "x-real-ip": undefined, "x-forwarded-port": undefined },
  },
  {
    name: "a trusted peer's X-Forwarded-For chain gets the peer appended",
    incoming: { "x-forwarded-for": "203.0.113.9" },
    ctx: trusted,
    expected: { "x-forwarded-for": "203.0.113.9, 10.1.0.5" },
  },
  {
    name: "a trusted peer's repeated X-Forwarded-For lines are joined, then extended",
    incoming: { "x-forwarded-for": ["203.0.113.9", "192.0.2.44"] } as IncomingHttpHeaders,
    ctx: trusted,
    expected: { "x-forwarded-for": "203.0.113.9, 192.0.2.44, 10.1.0.5" },
  },
  {
    name: "a trusted peer's Forwarded chain gets our element appended",
    incoming: { forwarded: "for=203.0.113.9;host=shop.example;proto=https" },
    ctx: trusted,
    expected: {
      forwarded:
        "for=203.0.113.9;host=shop.example;proto=https, for=10.1.0.5;host=shop.example;proto=https",
    },
  },
  {
    name: "a trusted peer's X-Forwarded-Proto and -Host are kept",
    incoming: { "x-forwarded-proto": "http", "x-forwarded-host": "www.shop.example" },
    ctx: trusted,
    expected: { "x-forwarded-proto": "http", "x-forwarded-host": "www.shop.example" },
  },
  {
    name: "a trusted peer without forwarding headers gets ours",
    incoming: { "x-forwarded-proto": "" },
    ctx: trusted,
    expected: {
      "x-forwarded-for": "10.1.0.5",
      "x-forwarded-proto": "https",
      "x-forwarded-host": "shop.example",
      forwarded: "for=10.1.0.5;host=shop.example;proto=https",
    },
  },
  {
    name: "a trusted peer keeps its X-Real-IP",
    incoming: { "x-real-ip": "203.0.113.9" },
    ctx: trusted,
    expected: { "x-real-ip": "203.0.113.9" },
  },
  {
    name: "an IPv6 peer is bare in X-Forwarded-For, bracketed and quoted in Forwarded",
    incoming: {},
    ctx: { ...untrusted, peerAddress: "2001:db8::1" },
    expected: {
      "x-forwarded-for": "2001:db8::1",
      forwarded: 'for="[2001:db8::1]";host=shop.example;proto=https',
    },
  },
  {
    name: "an IPv4 client on a dual-stack socket is written as IPv4",
    incoming: {},
    ctx: { ...untrusted, peerAddress: "::FFFF:192.0.2.1" },
    expected: {
      "x-forwarded-for": "192.0.2.1",
      forwarded: "for=192.0.2.1;host=shop.example;proto=https",
    },
  },
  {
    name: "a host with a port is quoted in Forwarded",
    incoming: {},
    ctx: { ...untrusted, host: "shop.example:8443", proto: "http" },
    expected: { forwarded: 'for=198.51.100.7;host="shop.example:8443";proto=http' },
  },
  {
    name: "a peer whose address is gone is written as unknown",
    incoming: {},
    ctx: { ...untrusted, peerAddress: "" },
    expected: {
      "x-forwarded-for": "unknown",
      forwarded: "for=unknown;host=shop.example;proto=https",
    },
  },
  {
    name: "our Via entry is appended to the incoming Via",
    incoming: { via: "1.0 fred, 1.1 p.example" },
    expected: { via: "1.0 fred, 1.1 p.example, 1.1 gw-bue" },
  },
  {
    name: "repeated Via lines are joined before ours is appended",
    incoming: raw({ via: ["1.0 fred", "1.1 p.example"] }),
    expected: { via: "1.0 fred, 1.1 p.example, 1.1 gw-bue" },
  },
  {
    name: "a request without Via gets ours alone",
    incoming: {},
    expected: { via: "1.1 gw-bue" },
  },
  {
    name: "repeated end-to-end headers stay an array",
    incoming: { "x-tag": ["a", "b"] } as IncomingHttpHeaders,
    expected: { "x-tag": ["a", "b"] },
  },
  {
    name: "HTTP/2 pseudo-headers are not sent upstream",
    incoming: { ":method": "GET", ":path": "/", accept: "*/*" } as IncomingHttpHeaders,
    expected: { ":method": undefined, ":path": undefined, accept: "*/*" },
  },
];

for (const c of requestCases) {
  test(c.name, () =>
    assertHeaders(upstreamRequestHeaders(c.incoming, c.ctx ?? untrusted), c.expected),
  );
}

test("a header named __proto__ is an ordinary header, not a prototype", () => {
  const incoming = JSON.parse('{"__proto__": ["x"], "accept": "*/*"}') as IncomingHttpHeaders;
  const out = upstreamRequestHeaders(incoming, untrusted);
  // The result has no prototype at all, so the header cannot become one.
  assert.equal(Object.getPrototypeOf(out), null);
  assert.deepEqual(Object.getOwnPropertyDescriptor(out, "__proto__")?.value, ["x"]);
});

test("the incoming headers are not mutated, and arrays are copies", () => {
  const incoming: IncomingHttpHeaders = {
    connection: "close, x-secret",
    "x-secret": "s3",
    "x-forwarded-for": "203.0.113.9",
    via: "1.0 fred",
    "x-tag": ["a", "b"],
  };
  const before = structuredClone(incoming);
  const out = upstreamRequestHeaders(incoming, trusted);
  assert.deepEqual(incoming, before);
  assert.notEqual(out["x-tag"], incoming["x-tag"]);
});

const responseCases: {
  name: string;
  upstream: Record<string, string | string[] | undefined>;
  extra?: Record<string, string>;
  expected: Expected;
}[] = [
  {
    name: "a response header named in Connection is dropped",
    upstream: { connection: "close, X-Backend-Debug", "x-backend-debug": "pid=7", etag: '"1"' },
    expected: { "x-backend-debug": undefined, connection: undefined, etag: '"1"' },
  },
  {
    name: "repeated Set-Cookie lines stay an array",
    upstream: { "set-cookie": ["a=1", "b=2"] },
    expected: { "set-cookie": ["a=1", "b=2"] },
  },
  {
    name: "our Via entry is appended to the upstream's",
    upstream: { via: "1.1 backend" },
    expected: { via: "1.1 backend, 1.1 gw-bue" },
  },
  {
    name: "extra headers are added and replace the upstream's own",
    upstream: { "x-gateway-site": "forged" },
    extra: { "X-Gateway-Site": "bue", "x-gateway-ingress": "gw-bue" },
    expected: { "x-gateway-site": "bue", "x-gateway-ingress": "gw-bue" },
  },
  {
    name: "headers whose value is undefined are left out",
    upstream: { "x-empty": undefined, "content-length": "3" },
    expected: { "x-empty": undefined, "content-length": "3" },
  },
];

for (const c of responseCases) {
  test(c.name, () => {
    const options =
      c.extra === undefined ? { via: "1.1 gw-bue" } : { via: "1.1 gw-bue", extra: c.extra };
    assertHeaders(downstreamResponseHeaders(c.upstream, options), c.expected);
  });
}

test("the upstream response headers are not mutated", () => {
  const upstream = { connection: "x-a", "x-a": "1", "set-cookie": ["a=1"], via: "1.1 backend" };
  const before = structuredClone(upstream);
  const out = downstreamResponseHeaders(upstream, {
    via: "1.1 gw-bue",
    extra: { "x-gateway-site": "bue" },
  });
  assert.deepEqual(upstream, before);
  assert.notEqual(out["set-cookie"], upstream["set-cookie"]);
});
