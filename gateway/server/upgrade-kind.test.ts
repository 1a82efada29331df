// Pure: what an Upgrade request asks for, as a table of request heads.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type UpgradeKind, upgradeKind } from "./upgrade-kind.ts";

const cases: readonly [string, string, Record<string, string>, UpgradeKind][] = [
  [
    "a GET asking for websocket",
    "GET",
    { connection: "Upgrade", upgrade: "websocket" },
    "websocket",
  ],
  [
    "websocket in any case, Connection with keep-alive too",
    "GET",
    { connection: "keep-alive, Upgrade", upgrade: "WebSocket" },
    "websocket",
  ],
  ["websocket with a POST", "POST", { connection: "upgrade", upgrade: "websocket" }, "other"],
  [
    "websocket offered with another protocol",
    "GET",
    { connection: "upgrade", upgrade: "websocket, foo" },
    "other",
  ],
  [
    "h2c as curl --http2 sends it",
    "GET",
    { connection: "Upgrade, HTTP2-Settings", upgrade: "h2c" },
    "h2c",
  ],
  [
    "h2c on a POST is still h2c (served as HTTP/1.1)",
    "POST",
    { connection: "upgrade", upgrade: "h2c" },
    "h2c",
  ],
  [
    "another protocol with a version",
    "GET",
    { connection: "upgrade", upgrade: "foo/1.0" },
    "other",
  ],
  ["TLS/1.0 (RFC 2817)", "GET", { connection: "upgrade", upgrade: "TLS/1.0" }, "other"],
  [
    "Upgrade without the upgrade token in Connection is no upgrade",
    "GET",
    { connection: "keep-alive", upgrade: "websocket" },
    "none",
  ],
  ["Upgrade without Connection is no upgrade", "GET", { upgrade: "foo" }, "none"],
  ["no Upgrade header", "GET", { connection: "upgrade" }, "none"],
  ["an empty Upgrade list", "GET", { connection: "upgrade", upgrade: " , " }, "other"],
];

for (const [name, method, headers, expected] of cases) {
  test(`${name}: ${expected}`, () => {
    assert.equal(upgradeKind({ method, headers }), expected);
  });
}
