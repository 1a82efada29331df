// The catalogue's codes and statuses, problem+json bodies, and how thrown values from undici,
// Node's sockets and opossum map to codes (real library error classes where they exist).
import assert from "node:assert/strict";
import { test } from "node:test";
import CircuitBreaker from "opossum";
import { errors } from "undici";
import {
  ERROR_CODES,
  type ErrorCode,
  GatewayError,
  PROBLEM_CONTENT_TYPE,
  problemBody,
  problemDetails,
  toGatewayError,
} from "./error-catalogue.ts";

const expectedStatus: Record<ErrorCode, number> = {
  bad_request: 400,
  open_proxy_refused: 400,
  bad_path: 400,
  forbidden: 403,
  client_certificate_required: 403,
  upgrade_not_supported: 403,
  unauthorized: 401,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  body_too_large: 413,
  headers_too_large: 431,
  unknown_host: 421,
  no_usable_site: 503,
  residency_blocked: 503,
  circuit_open: 503,
  override_not_applied: 503,
  shutting_down: 503,
  override_not_stored: 503,
  upstream_saturated: 503,
  too_many_streams: 503,
  upstream_refused: 502,
  upstream_reset: 502,
  upstream_bad_response: 502,
  upstream_tls: 502,
  upstream_timeout: 504,
  internal: 500,
};

test("the catalogue holds exactly the agreed codes", () => {
  assert.deepEqual(Object.keys(ERROR_CODES).sort(), Object.keys(expectedStatus).sort());
});

for (const [code, status] of Object.entries(expectedStatus) as [ErrorCode, number][]) {
  test(`${code} answers ${status} with a title`, () => {
    assert.equal(ERROR_CODES[code].status, status);
    assert.ok(ERROR_CODES[code].title.length > 0);
    assert.equal(new GatewayError(code, "x", { cause: undefined }).status, status);
  });
}

test("the catalogue cannot be changed at run time", () => {
  assert.ok(Object.isFrozen(ERROR_CODES));
  assert.ok(Object.isFrozen(ERROR_CODES.internal));
});

test("a GatewayError is an Error with its code, status, sites tried and cause", () => {
  const cause = new Error("connect ECONNREFUSED 10.0.0.7:8080");
  const sites = ["bue", "scl"];
  const error = new GatewayError("upstream_refused", "refused", { cause, sitesTried: sites });
  sites.push("gru");
  assert.ok(error instanceof Error);
  assert.equal(error.name, "GatewayError");
  assert.equal(error.code, "upstream_refused");
  assert.equal(error.status, 502);
  assert.equal(error.message, "refused");
  assert.equal(error.cause, cause);
  assert.deepEqual(error.sitesTried, ["bue", "scl"], "a copy, not the caller's array");
  assert.ok(Object.isFrozen(error.sitesTried));
});

test("a GatewayError without sites tried has an empty list", () => {
  assert.deepEqual(new GatewayError("not_found", "no route", { cause: "/x" }).sitesTried, []);
});

test("problem details follow RFC 9457 with code, sites tried and request id", () => {
  const error = new GatewayError("no_usable_site", "every site is down", {
    cause: undefined,
    sitesTried: ["bue"],
  });
  assert.deepEqual(problemDetails(error, { requestId: "r-1", instance: "/orders/7" }), {
    type: "urn:gateway:problem:no_usable_site",
    title: "No usable site",
    status: 503,
    detail: "every site is down",
    instance: "/orders/7",
    code: "no_usable_site",
    sitesTried: ["bue"],
    requestId: "r-1",
  });
});

test("problem details leave out a request id and instance nobody gave", () => {
  const details = problemDetails(new GatewayError("internal", "x", { cause: undefined }));
  assert.equal("requestId" in details, false);
  assert.equal("instance" in details, false);
});

const hostStatusCases: { name: string; code: ErrorCode; override?: 421 | 404; status: number }[] = [
  { name: "an unknown host answers 421 by default", code: "unknown_host", status: 421 },
  {
    name: "an unknown host answers 404 when asked to",
    code: "unknown_host",
    override: 404,
    status: 404,
  },
  {
    name: "the unknown-host override leaves other codes alone",
    code: "not_found",
    override: 421,
    status: 404,
  },
];
for (const c of hostStatusCases) {
  test(c.name, () => {
    const error = new GatewayError(c.code, "x", { cause: undefined });
    const options = c.override === undefined ? {} : { unknownHostStatus: c.override };
    assert.equal(problemDetails(error, options).status, c.status);
  });
}

test("the problem body is the details as JSON, sent as application/problem+json", () => {
  const error = new GatewayError("circuit_open", "open", { cause: undefined, sitesTried: ["a"] });
  assert.deepEqual(JSON.parse(problemBody(error, { requestId: "r" })), {
    ...problemDetails(error, { requestId: "r" }),
  });
  assert.equal(PROBLEM_CONTENT_TYPE, "application/problem+json");
});

// undici's types leave out the (message, llhttp code) constructor its parser error has.
const ParserError = errors.HTTPParserError as unknown as new (
  message: string,
  code: string,
) => Error;

const socketError = (code: string) =>
  Object.assign(new Error(`connect ${code} 10.0.0.7:8080`), { code });
// undici rejects with the signal's reason itself; a wrapper that keeps it as `cause` must still map.
const abortedBy = (reason: unknown) =>
  Object.assign(new errors.RequestAbortedError(), { cause: reason });

const mappings: { name: string; thrown: unknown; code: ErrorCode }[] = [
  {
    name: "undici's connect timeout is an upstream timeout",
    thrown: new errors.ConnectTimeoutError(),
    code: "upstream_timeout",
  },
  {
    name: "undici's headers timeout is an upstream timeout",
    thrown: new errors.HeadersTimeoutError(),
    code: "upstream_timeout",
  },
  {
    name: "undici's body timeout is an upstream timeout",
    thrown: new errors.BodyTimeoutError(),
    code: "upstream_timeout",
  },
  {
    name: "an AbortSignal.timeout reason is an upstream timeout",
    thrown: new DOMException("The operation was aborted due to timeout", "TimeoutError"),
    code: "upstream_timeout",
  },
  {
    name: "undici's aborted error caused by a timeout is an upstream timeout",
    thrown: abortedBy(new DOMException("timeout", "TimeoutError")),
    code: "upstream_timeout",
  },
  {
    name: "an abort for any other reason is internal",
    thrown: abortedBy(new DOMException("This operation was aborted", "AbortError")),
    code: "internal",
  },
  {
    name: "a socket ETIMEDOUT is an upstream timeout",
    thrown: socketError("ETIMEDOUT"),
    code: "upstream_timeout",
  },
  {
    name: "ECONNREFUSED is a refusal",
    thrown: socketError("ECONNREFUSED"),
    code: "upstream_refused",
  },
  { name: "ENOTFOUND is a refusal", thrown: socketError("ENOTFOUND"), code: "upstream_refused" },
  {
    name: "EHOSTUNREACH is a refusal",
    thrown: socketError("EHOSTUNREACH"),
    code: "upstream_refused",
  },
  {
    name: "ENETUNREACH is a refusal",
    thrown: socketError("ENETUNREACH"),
    code: "upstream_refused",
  },
  { name: "ECONNRESET is a reset", thrown: socketError("ECONNRESET"), code: "upstream_reset" },
  { name: "EPIPE is a reset", thrown: socketError("EPIPE"), code: "upstream_reset" },
  {
    name: "undici's socket error is a reset",
    thrown: new errors.SocketError("other side closed"),
    code: "upstream_reset",
  },
  {
    name: "undici's parser error is a bad response",
    thrown: new ParserError("Invalid chunk size", "INVALID_CHUNK_SIZE"),
    code: "upstream_bad_response",
  },
  {
    name: "a response shorter than its content-length is a bad response",
    thrown: new errors.ResponseContentLengthMismatchError(),
    code: "upstream_bad_response",
  },
  {
    name: "fetch's 'fetch failed' is classified by its cause",
    thrown: new TypeError("fetch failed", { cause: socketError("ECONNREFUSED") }),
    code: "upstream_refused",
  },
  { name: "an unknown Error is internal", thrown: new RangeError("bug"), code: "internal" },
  { name: "a thrown string is internal", thrown: "oops", code: "internal" },
  { name: "a thrown undefined is internal", thrown: undefined, code: "internal" },
  {
    name: "a numeric DOMException code is not mistaken for a string code",
    thrown: new DOMException("x", "NotFoundError"),
    code: "internal",
  },
];

for (const m of mappings) {
  test(m.name, () => {
    const error = toGatewayError(m.thrown, ["bue"]);
    assert.equal(error.code, m.code);
    assert.equal(error.cause, m.thrown, "the original is kept as cause");
    assert.deepEqual(error.sitesTried, ["bue"]);
  });
}

test("opossum's open-breaker rejection is circuit_open", async () => {
  const breaker = new CircuitBreaker(async () => "ok");
  breaker.open();
  const rejection = await breaker.fire().catch((e: unknown) => e);
  breaker.shutdown();
  assert.equal((rejection as { code?: string }).code, "EOPENBREAKER");
  assert.equal(toGatewayError(rejection, []).code, "circuit_open");
});

test("the detail never repeats the original message, which may hold upstream addresses", () => {
  const error = toGatewayError(socketError("ECONNREFUSED"), []);
  assert.equal(error.message, "Upstream refused the connection (ECONNREFUSED)");
  assert.doesNotMatch(problemBody(error), /10\.0\.0\.7/);
});

test("a GatewayError passes through unchanged", () => {
  const original = new GatewayError("residency_blocked", "EU only", { cause: undefined });
  assert.equal(toGatewayError(original, ["x"]), original);
});

test("a cause chain that loops is followed only so far", () => {
  const looped: Error & { cause?: unknown } = new Error("loop");
  looped.cause = looped;
  assert.equal(toGatewayError(looped, []).code, "internal");
});
