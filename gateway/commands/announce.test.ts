/**
 * `gateway announce` as a real process, as ExaBGP runs it: stdout carries its commands, stdin
 * is ExaBGP's side of the pipe, and its end stops the announcer.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { test } from "node:test";
import { adminPost, eventually, startTestWorld } from "../testing/fixtures.ts";

const CLI = new URL("../cli.ts", import.meta.url).pathname;
const ROUTE = "route 203.0.113.10/32 next-hop self";

test("the announcer follows the gateway: withdraw, announce, de-prefer, withdraw on compromise", async (t) => {
  const world = await startTestWorld({ sites: [{ id: "here" }, { id: "hub", tier: "hub" }] });
  t.after(() => world.close());
  const gateway = world.gateway("here");
  const child = spawn(
    process.execPath,
    [CLI, "announce", "--admin", gateway.adminUrl, "--prefix", "203.0.113.10/32"].concat([
      "--interval-ms",
      "50",
      "--rise",
      "2",
      "--hold-down-ms",
      "0",
      "--deprefer",
      "med:500",
    ]),
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  t.after(() => child.kill("SIGKILL"));
  let lines: string[] = [];
  child.stdout.on("data", (chunk: Buffer) => {
    lines = lines.concat(chunk.toString().split("\n").filter(Boolean));
  });
  const said = (line: string) => () => lines.at(-1) === line;
  await eventually(said(`announce ${ROUTE} med 0`), 10_000, "the announcement");
  assert.equal(lines[0], `withdraw ${ROUTE}`, "a new announcer withdraws first");
  gateway.state.update({ health: { here: { state: "degraded", fraction: 0.5 } } });
  await eventually(said(`announce ${ROUTE} med 500`), 10_000, "the de-preference");
  await adminPost(`${gateway.adminUrl}/sites/here/compromise`);
  await eventually(said(`withdraw ${ROUTE}`), 10_000, "the withdraw");
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  child.stdin.end();
  assert.equal(await exited, 0, "stdin closing (ExaBGP gone) ends the announcer");
});

test("with --follow-sessions the route waits for a BGP session, and goes when the last one does", async (t) => {
  const world = await startTestWorld({ sites: [{ id: "here" }] });
  t.after(() => world.close());
  const child = spawn(
    process.execPath,
    [
      CLI,
      "announce",
      "--admin",
      world.gateway("here").adminUrl,
      "--prefix",
      "203.0.113.10/32",
    ].concat(["--interval-ms", "50", "--rise", "1", "--hold-down-ms", "0", "--follow-sessions"]),
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  t.after(() => child.kill("SIGKILL"));
  let lines: string[] = [];
  child.stdout.on("data", (chunk: Buffer) => {
    lines = lines.concat(chunk.toString().split("\n").filter(Boolean));
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  // Polls go on without a session: wait for a few to be sure none announced.
  await eventually(() => stderr.includes("announcer started"), 10_000, "the announcer to start");
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(lines, [`withdraw ${ROUTE}`], "nothing announced without a session");
  child.stdin.write("neighbor 192.0.2.1 connected\nneighbor 192.0.2.1 up\n");
  await eventually(() => lines.at(-1) === `announce ${ROUTE} med 0`, 10_000, "the announcement");
  child.stdin.write("neighbor 192.0.2.1 down - peer reset, message [hold timer expired]\n");
  await eventually(() => lines.at(-1) === `withdraw ${ROUTE}`, 10_000, "the withdraw");
});

test("a bad flag is refused with exit 2 and a message naming it", () => {
  const result = spawnSync(
    process.execPath,
    [CLI, "announce", "--prefix", "203.0.113.10/32", "--rise", "0"],
    { encoding: "utf8" },
  );
  assert.equal(result.status, 2);
  assert.match(result.stderr, /--rise takes a whole number from 1 to 100, not "0"/);
  const noPrefix = spawnSync(process.execPath, [CLI, "announce"], { encoding: "utf8" });
  assert.equal(noPrefix.status, 2);
  assert.match(noPrefix.stderr, /--prefix takes the VIP as a prefix/);
});
