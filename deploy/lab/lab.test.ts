/**
 * The anycast lab as an integration test: real BIRD, ExaBGP and gateways in network
 * namespaces (lab-plan.ts has the picture). Skips, saying why, without root, `ip netns`,
 * bird2, exabgp or curl. A short hold-down (2 s) keeps the run short; `npm run lab` runs the
 * same events with the figures.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { eventPairs, MOVE_BOUND_MS, routerPathMed } from "./lab-events.ts";
import { LAB_ANNOUNCER, VIP } from "./lab-plan.ts";
import { labUnavailable } from "./lab-prerequisites.ts";
import { type LabRun, startLabRun, timeEvent } from "./lab-run.ts";

const SETTINGS = { ...LAB_ANNOUNCER, holdDownMs: 2_000 };

test("the anycast lab: the VIP follows the preferred site's own view of itself", async (t) => {
  const unavailable = labUnavailable();
  if (unavailable) return t.skip(unavailable);
  const labRun: LabRun = await startLabRun(SETTINGS, 240);
  t.after(() => labRun.close());

  await t.test("curl from the client is served by the preferred site, dar", async () => {
    const head = await labRun.lab.exec(labRun.lab.names.client, [
      "curl",
      "-sS",
      "-m",
      "3",
      "-D",
      "-",
      "-o",
      "/dev/null",
      `http://${VIP}/`,
    ]);
    assert.match(head, /^x-gateway-ingress: dar\r?$/im);
  });

  for (const pair of eventPairs(labRun)) {
    const silent = pair.away.event === "link down";
    const bound = silent ? "within the hold time" : "within 5 s, no retried GET failing";
    await t.test(`${pair.away.event}: the VIP moves to nbo ${bound}`, async () => {
      const figures = await timeEvent(labRun, pair.away);
      if (silent) {
        // A silent site's route goes with the hold timer; requests sent into it meanwhile may fail.
        assert.ok(figures.routeChangeMs <= pair.away.timeoutMs, JSON.stringify(figures));
      } else {
        assert.ok(figures.routeChangeMs <= MOVE_BOUND_MS, JSON.stringify(figures));
        assert.equal(figures.failed, 0, JSON.stringify(figures));
      }
      if (pair.away.event === "degraded") {
        const med = await routerPathMed(labRun, "dar");
        assert.equal(med, SETTINGS.depreferMed + 10, "dar is still announced, de-preferred");
      }
    });
    await t.test(
      `${pair.back.event}: the VIP returns to dar after the hold-down, not before`,
      async () => {
        const figures = await timeEvent(labRun, pair.back);
        assert.ok(figures.routeChangeMs >= SETTINGS.holdDownMs, JSON.stringify(figures));
        assert.equal(figures.failed, 0, JSON.stringify(figures));
      },
    );
  }
});
