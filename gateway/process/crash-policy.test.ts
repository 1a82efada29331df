import assert from "node:assert/strict";
import { test } from "node:test";
import { crashVerdict } from "./crash-policy.ts";

const settings = {
  restartDelayMs: 100,
  restartDelayMaxMs: 1_000,
  crashLoopRestarts: 3,
  crashLoopWindowMs: 60_000,
};

const cases = [
  {
    name: "a first death restarts after the base delay",
    deaths: [1_000],
    now: 1_000,
    want: { action: "restart", delayMs: 100, recentDeaths: 1 },
  },
  {
    name: "a second death in the window doubles the delay",
    deaths: [1_000, 2_000],
    now: 2_000,
    want: { action: "restart", delayMs: 200, recentDeaths: 2 },
  },
  {
    name: "deaths as many as the limit still restart",
    deaths: [1, 2, 3],
    now: 3,
    want: { action: "restart", delayMs: 400, recentDeaths: 3 },
  },
  {
    name: "one death more than the limit inside the window gives up",
    deaths: [1, 2, 3, 4],
    now: 4,
    want: { action: "give-up", recentDeaths: 4 },
  },
  {
    name: "deaths older than the window are forgotten",
    deaths: [1, 2, 3, 70_000],
    now: 70_000,
    want: { action: "restart", delayMs: 100, recentDeaths: 1 },
  },
  {
    name: "the delay never passes its cap",
    deaths: [1, 2, 3],
    now: 3,
    settings: { ...settings, restartDelayMs: 800 },
    want: { action: "restart", delayMs: 1_000, recentDeaths: 3 },
  },
] as const;

for (const c of cases)
  test(c.name, () => {
    assert.deepEqual(
      crashVerdict(c.deaths, c.now, "settings" in c ? c.settings : settings),
      c.want,
    );
  });
