import assert from "node:assert/strict";
import { test } from "node:test";
import { type ConsulHealthEntry, instanceVerdicts } from "./service-health.ts";

const entry = (port: number, statuses: string[], serviceAddress = ""): ConsulHealthEntry => ({
  Node: { Node: "n1", Address: "10.0.0.1" },
  Service: { ID: `app-${port}`, Address: serviceAddress, Port: port },
  Checks: statuses.map((Status, i) => ({ CheckID: `c${i}`, Status })),
});

for (const [name, entries, expected] of [
  [
    "an instance whose checks all pass is up",
    [entry(80, ["passing", "passing"])],
    [{ backend: "10.0.0.1:80", up: true }],
  ],
  [
    "one critical check takes it down",
    [entry(80, ["passing", "critical"])],
    [{ backend: "10.0.0.1:80", up: false }],
  ],
  ["a warning is not passing", [entry(80, ["warning"])], [{ backend: "10.0.0.1:80", up: false }]],
  [
    "the service's own address wins over the node's",
    [entry(81, ["passing"], "10.0.0.9")],
    [{ backend: "10.0.0.9:81", up: true }],
  ],
  [
    "an IPv6 address is bracketed",
    [entry(82, ["passing"], "2001:db8::1")],
    [{ backend: "[2001:db8::1]:82", up: true }],
  ],
  [
    "instances come sorted, so equal content compares equal",
    [entry(90, ["passing"]), entry(80, ["passing"])],
    [
      { backend: "10.0.0.1:80", up: true },
      { backend: "10.0.0.1:90", up: true },
    ],
  ],
] as const) {
  test(name, () => assert.deepEqual(instanceVerdicts(entries), expected));
}
