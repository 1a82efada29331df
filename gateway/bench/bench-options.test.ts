// The proxy benchmark's command line: defaults, and bad values refused with the flag's name.
import assert from "node:assert/strict";
import { test } from "node:test";
import { readBenchOptions } from "./bench-options.ts";

test("without flags it is the closed loop of every target and body, no soak", () => {
  const options = readBenchOptions([]);
  assert.equal(options.mode, "closed");
  assert.equal(options.rounds, 3);
  assert.deepEqual(options.ratePercents, [50, 80]);
  assert.equal(options.soakSeconds, 0);
  assert.equal(options.soakRateOf, "target", "a soak is at 50 % of its own target's saturation");
  assert.ok(options.targets.includes("gateway-deployed"));
  assert.deepEqual(
    options.bodies.map((b) => b.name),
    ["small", "16k"],
  );
});

test("open mode takes its rates, connections and soak from the flags", () => {
  const options = readBenchOptions([
    "--mode",
    "open",
    "--rates",
    "30,50,50",
    "--open-connections",
    "512",
    "--soak",
    "600",
    "--only",
    "bare,gateway",
  ]);
  assert.equal(options.mode, "open");
  assert.deepEqual(options.ratePercents, [30, 50]);
  assert.equal(options.openConnections, 512);
  assert.equal(options.soakSeconds, 600);
  assert.deepEqual(options.targets, ["bare", "gateway"]);
});

test("a bad value is refused with the flag's name", () => {
  const cases: [args: string[], message: RegExp][] = [
    [["--mode", "half-open"], /--mode takes closed or open/],
    [["--rates", "50,120"], /--rates takes a whole number from 1 to 100/],
    [["--rates", "fifty"], /--rates/],
    [["--rounds", "0"], /--rounds/],
    [["--seconds", "2.5"], /--seconds/],
    [["--soak", "-1"], /--soak/],
    [["--open-connections", "0"], /--open-connections/],
    [["--only", "bare,haproxy"], /unknown target: haproxy/],
    [["--load", "hey"], /--load takes wrk or autocannon/],
    [["--soak-rate-of", "nginx"], /--soak-rate-of takes target or bare/],
    [["--soak", "60", "--only", "bare"], /--soak needs gateway in --only/],
  ];
  for (const [args, message] of cases)
    assert.throws(() => readBenchOptions(args), message, args.join(" "));
});
