import assert from "node:assert/strict";
import { test } from "node:test";
import {
  isExpectedStatus,
  type ProbeOutcome,
  probeErrorCode,
  probeResult,
} from "./probe-result.ts";
import type { ExpectedStatus } from "./probe-settings.ts";

const RANGE_2XX_3XX: ExpectedStatus = { min: 200, max: 399 };

test("a status is expected when a code or range of the list holds it", async (t) => {
  const cases: [string, number, ExpectedStatus, boolean][] = [
    ["200 is inside the default range", 200, RANGE_2XX_3XX, true],
    ["399 is the range's inclusive end", 399, RANGE_2XX_3XX, true],
    ["404 is outside it", 404, RANGE_2XX_3XX, false],
    ["503 is outside it", 503, RANGE_2XX_3XX, false],
    ["a listed code matches exactly", 204, [200, 204], true],
    ["an unlisted code does not", 201, [200, 204], false],
    ["a mixed list matches by its range", 302, [200, { min: 300, max: 399 }], true],
    ["an empty list matches nothing", 200, [], false],
  ];
  for (const [name, status, expected, ok] of cases) {
    await t.test(name, () => assert.equal(isExpectedStatus(status, expected), ok));
  }
});

test("failures map to stable codes", async (t) => {
  const coded = (code: string) => Object.assign(new Error(code), { code });
  const cases: [string, unknown, string][] = [
    ["our timer's TimeoutError", new DOMException("probe timed out", "TimeoutError"), "timeout"],
    ["a refused connect", coded("ECONNREFUSED"), "refused"],
    ["undici's connect timeout", coded("UND_ERR_CONNECT_TIMEOUT"), "timeout"],
    ["a socket closed by the other side", coded("UND_ERR_SOCKET"), "reset"],
    ["a reset", coded("ECONNRESET"), "reset"],
    ["no route to the host", coded("EHOSTUNREACH"), "unreachable"],
    ["an unknown host name", coded("ENOTFOUND"), "dns"],
    ["an HTTP parser error", coded("HPE_INVALID_CONSTANT"), "bad_response"],
    ["an unknown code", coded("EWHATEVER"), "other"],
    ["an error without a code", new Error("boom"), "other"],
    ["a thrown string", "boom", "other"],
  ];
  for (const [name, error, code] of cases) {
    await t.test(name, () => assert.equal(probeErrorCode(error), code));
  }
});

test("a probe's outcome becomes its result", async (t) => {
  const target = { siteId: "dar", backend: "10.0.0.1:8080" };
  const at = 1_700_000_000_000;
  const cases: [string, ProbeOutcome, object][] = [
    ["an expected status is ok", { status: 200, latencyMs: 12.5, at }, { ok: true, status: 200 }],
    ["an unexpected status is not", { status: 503, latencyMs: 3, at }, { ok: false, status: 503 }],
    [
      "a body cut short is not ok, status kept",
      {
        status: 200,
        error: Object.assign(new Error("x"), { code: "UND_ERR_SOCKET" }),
        latencyMs: 4,
        at,
      },
      { ok: false, status: 200, error: "reset" },
    ],
    [
      "a timeout has no status",
      { error: new DOMException("t", "TimeoutError"), latencyMs: 1000, at },
      { ok: false, error: "timeout" },
    ],
  ];
  for (const [name, outcome, expected] of cases) {
    await t.test(name, () =>
      assert.deepEqual(probeResult(target, outcome, RANGE_2XX_3XX), {
        ...target,
        ...expected,
        latencyMs: outcome.latencyMs,
        at,
      }),
    );
  }
});

test("a clock that steps back never yields a negative latency", () => {
  const result = probeResult(
    { siteId: "a", backend: "h:1" },
    { status: 200, latencyMs: -2, at: 0 },
    [200],
  );
  assert.equal(result.latencyMs, 0);
});
