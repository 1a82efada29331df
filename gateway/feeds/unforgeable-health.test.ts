// Issue 11, "health that clients cannot forge": bursts of requests to a path every site
// answers badly, against a real gateway and real backends (fixtures.ts), must leave the
// healthy paths served. The backends answer 503 under /broken/ and 200 elsewhere.
import assert from "node:assert/strict";
import { test } from "node:test";
import { answerText, echo, type SiteSpec, send, startTestWorld } from "../testing/fixtures.ts";

const SITES: readonly SiteSpec[] = [
  { id: "near", longitude: 0 },
  { id: "next", longitude: 5 },
  { id: "hub", tier: "hub", longitude: 20 },
];

const brokenPath = answerText(503, "broken");

type SitesReport = {
  sites: { id: string; state: string; breaker: string; backends: { breaker: string }[] }[];
};

async function world(t: { after: (fn: () => Promise<void>) => void }, services: unknown[]) {
  const w = await startTestWorld({
    sites: SITES,
    policy: { services },
    behaviour: (req, res, name) =>
      (req.url?.startsWith("/broken/") ? brokenPath : echo)(req, res, name),
    boot: { health: { passive: true, evaluateIntervalMs: 20 } },
  });
  t.after(() => w.close());
  return w;
}

/** `count` concurrent GETs, each with its path and X-Forwarded-For (the gateway trusts loopback). */
async function burst(url: string, count: number, at: (i: number) => [string, string]) {
  const answers = await Promise.all(
    Array.from({ length: count }, (_, i) => {
      const [path, client] = at(i);
      return send(`${url}${path}`, { headers: { "x-forwarded-for": client } });
    }),
  );
  return answers.map((a) => a.status);
}

async function report(adminUrl: string): Promise<SitesReport> {
  return (await (await fetch(`${adminUrl}/sites`)).json()) as SitesReport;
}

const opened = (r: SitesReport) =>
  r.sites
    .flatMap((s) => [s.breaker, ...s.backends.map((b) => b.breaker)])
    .filter((b) => b !== "closed");

test("200 concurrent requests to a path every site answers 503, burst after burst, leave the healthy path served by the nearest site", async (t) => {
  // Regression: the burst opened every site's and backend's breaker and the whole gateway
  // answered 503 no_usable_site; repeated every reset period it kept the gateway down.
  const w = await world(t, [{ name: "web", hosts: ["*"] }]);
  const gateway = w.gateway("near");
  for (let round = 0; round < 3; round++) {
    const statuses = await burst(gateway.url, 200, () => ["/broken/x", "203.0.113.9"]);
    assert.ok(statuses.every((s) => s === 503));
    const healthy = await send(gateway.url);
    assert.equal(healthy.status, 200, healthy.body);
    assert.equal(healthy.site, "near");
  }
  const after = await report(gateway.adminUrl);
  assert.deepEqual(opened(after), [], "no breaker opened");
  assert.deepEqual(
    after.sites.map((s) => s.state),
    ["healthy", "healthy", "healthy"],
  );
});

test("with 5xx counted by policy, one client on one path still counts nothing", async (t) => {
  const w = await world(t, [
    { name: "web", hosts: ["*"], passiveHealth: { countStatuses: "gateway" } },
  ]);
  const gateway = w.gateway("near");
  await burst(gateway.url, 200, () => ["/broken/x", "203.0.113.9"]);
  assert.deepEqual(opened(await report(gateway.adminUrl)), []);
  assert.equal((await send(gateway.url)).site, "near");
});

test("with 5xx counted by policy, a burst from many clients on many paths takes no site out and the healthy path is served", async (t) => {
  const w = await world(t, [
    { name: "web", hosts: ["*"], passiveHealth: { countStatuses: "gateway" } },
  ]);
  const gateway = w.gateway("near");
  const statuses = await burst(gateway.url, 200, (i) => [`/broken/${i % 7}`, `198.51.${i % 9}.1`]);
  assert.ok(statuses.every((s) => s === 503));
  const after = await report(gateway.adminUrl);
  // Counted now: at most the first backend that fails (the cap's "at least one") and one
  // more within 10 % may open, never a site's last backend, never a site breaker.
  assert.ok(after.sites.every((s) => s.breaker === "closed"));
  assert.ok(after.sites.every((s) => s.backends.some((b) => b.breaker === "closed")));
  assert.ok(after.sites.every((s) => s.state !== "down"));
  for (let i = 0; i < 10; i++) assert.equal((await send(gateway.url)).status, 200);
});
