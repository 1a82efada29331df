import assert from "node:assert/strict";
import { test } from "node:test";
import type { Announcement } from "./announce-decision.ts";
import {
  exabgpCommand,
  neighborChange,
  parseDepreference,
  type SpeakerRoute,
} from "./exabgp-speaker.ts";

const route = (deprefer: SpeakerRoute["deprefer"]): SpeakerRoute => ({
  prefix: "203.0.113.10/32",
  nextHop: "self",
  med: 0,
  deprefer,
});

test("each announcement becomes one ExaBGP command line", () => {
  const med = route({ kind: "med", med: 1000 });
  const prepend = route({ kind: "prepend", count: 2, localAs: 64601 });
  const table: [Announcement, SpeakerRoute, string][] = [
    ["announce", med, "announce route 203.0.113.10/32 next-hop self med 0"],
    ["withdraw", med, "withdraw route 203.0.113.10/32 next-hop self"],
    ["deprefer", med, "announce route 203.0.113.10/32 next-hop self med 1000"],
    [
      "deprefer",
      prepend,
      "announce route 203.0.113.10/32 next-hop self med 0 as-path [ 64601 64601 64601 ]",
    ],
  ];
  for (const [announcement, r, line] of table) assert.equal(exabgpCommand(announcement, r), line);
});

test("a de-preference is med:N or prepend:N, and a bad one is named", () => {
  assert.deepEqual(parseDepreference("med:50"), { kind: "med", med: 50 });
  assert.deepEqual(parseDepreference("prepend:3", 64601), {
    kind: "prepend",
    count: 3,
    localAs: 64601,
  });
  assert.throws(
    () => parseDepreference("local-pref:50"),
    /med:N or prepend:N, not "local-pref:50"/,
  );
  assert.throws(() => parseDepreference("prepend:3"), /needs --local-as/);
  assert.throws(() => parseDepreference("prepend:0", 64601), /prepend 1 to 10/);
  assert.throws(() => parseDepreference("med:4294967296"), /below 2\^32/);
});

test("ExaBGP's neighbour state lines are read; everything else it writes is not", () => {
  assert.deepEqual(neighborChange("neighbor 198.51.100.1 up"), { peer: "198.51.100.1", up: true });
  assert.deepEqual(
    neighborChange("neighbor 198.51.100.1 down - peer reset, message [hold timer expired]\n"),
    {
      peer: "198.51.100.1",
      up: false,
    },
  );
  assert.equal(neighborChange("neighbor 198.51.100.1 connected"), undefined);
  assert.equal(neighborChange("done"), undefined);
  assert.equal(neighborChange("neighbor 198.51.100.1 receive update start"), undefined);
});
