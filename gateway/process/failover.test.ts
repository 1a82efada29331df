// I/O code: real backends and gateways on 127.0.0.1 port 0 (fixtures.ts), each world closed
// with t.after. Site `near` (0°) is the nearest from its own ingress, `next` (5°) the next
// one, `hub` (20°) the farthest. Breakers wait a minute before a trial, so none half-opens
// while a test runs.
import assert from "node:assert/strict";
import { test } from "node:test";
import { policySchema } from "../../routing-tables/policy-schema.ts";
import type { Observation } from "../forward/observation.ts";
import {
  answerText,
  eventually,
  gate,
  type SiteSpec,
  send,
  siteHits,
  startTestWorld,
  type TestWorld,
  type TestWorldOptions,
} from "../testing/fixtures.ts";

const SITES: readonly SiteSpec[] = [
  { id: "near", tier: "edge", longitude: 0 },
  { id: "next", tier: "edge", longitude: 5 },
  { id: "hub", tier: "hub", longitude: 20 },
];

const BOOT = {
  breakers: { site: { resetTimeoutMs: 60_000 }, backend: { resetTimeoutMs: 60_000 } },
};

async function world(
  t: { after: (fn: () => Promise<void>) => void },
  options: Partial<TestWorldOptions> = {},
): Promise<TestWorld> {
  const w = await startTestWorld({ sites: SITES, ingresses: ["near"], boot: BOOT, ...options });
  t.after(() => w.close());
  return w;
}

/** Sum of every sample of `name` whose labels include `labels`, from the gateway's /metrics. */
async function metric(adminUrl: string, name: string, labels = ""): Promise<number> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labels && !line.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return sum;
}

test("a site killed mid-run fails no GET and leaves rotation", async (t) => {
  const w = await world(t);
  const gateway = w.gateway("near");
  const statuses = new Map<number, number>();
  for (let i = 0; i < 300; i++) {
    if (i === 50) for (const backend of w.backends.get("near") ?? []) await backend.kill();
    const { status, site } = await send(gateway.url);
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    // After the kill: never the dead site. While one backend breaker is open and the other
    // not yet, near counts as degraded and part of its share spills to the hub, by design.
    if (i < 50) assert.equal(site, "near");
    else assert.ok(site === "next" || site === "hub", `request ${i} served by ${site}`);
  }
  assert.deepEqual([...statuses], [[200, 300]]);

  // Out of rotation: passive health marks it down, or its breakers are open. Traffic drives
  // both (near keeps a sliver of its share while its error window still holds the successes
  // from before the kill), so keep sending until it has left.
  type SitesReport = {
    sites: { id: string; state: string; breaker: string; backends: { breaker: string }[] }[];
  };
  const out = async () => {
    const report = (await (await fetch(`${gateway.adminUrl}/sites`)).json()) as SitesReport;
    const near = report.sites.find((s) => s.id === "near");
    return (
      near?.state === "down" ||
      near?.breaker === "open" ||
      (near?.backends.every((b) => b.breaker === "open") ?? false)
    );
  };
  await eventually(
    async () => (await send(gateway.url)).status === 200 && (await out()),
    20_000,
    "near to leave rotation",
  );
  // Whichever took it out (breakers or passive health), the failed tries were seen.
  assert.ok(
    (await metric(
      gateway.adminUrl,
      "gateway_upstream_tries_total",
      'site="near",outcome="connect-failed"',
    )) > 0,
  );

  // Later requests go straight to the next site: no more tries against the dead one.
  const triesBefore = await metric(gateway.adminUrl, "gateway_upstream_tries_total", 'site="near"');
  for (let i = 0; i < 20; i++) assert.equal((await send(gateway.url)).site, "next");
  assert.equal(
    await metric(gateway.adminUrl, "gateway_upstream_tries_total", 'site="near"'),
    triesBefore,
  );
});

test("with one of a site's two backends dead every GET succeeds on the other", async (t) => {
  const w = await world(t, { sites: [{ id: "solo", tier: "hub" }], ingresses: ["solo"] });
  const [dead, alive] = w.backends.get("solo") ?? [];
  assert.ok(dead && alive);
  await dead.kill();
  const url = w.gateway("solo").url;
  for (let i = 0; i < 40; i++) {
    const { status, body } = await send(url);
    assert.equal(status, 200, body);
    assert.equal((JSON.parse(body) as { backend: string }).backend, alive.name);
  }
});

test("a POST to a dead site goes to the next site: its connection was refused, nothing was sent", async (t) => {
  const w = await world(t);
  for (const backend of w.backends.get("near") ?? []) await backend.kill();
  const res = await send(w.gateway("near").url, { method: "POST", body: "order=1" });
  assert.equal(res.status, 200, res.body);
  assert.equal(res.site, "next");
});

test("a POST whose backend took it and then reset the connection is answered 502, not re-sent", async (t) => {
  const w = await world(t);
  for (const backend of w.backends.get("near") ?? [])
    backend.behave((req) => req.on("data", () => req.socket.destroy()));
  const before = siteHits(w, "next") + siteHits(w, "hub");
  const res = await send(w.gateway("near").url, { method: "POST", body: "order=1" });
  assert.equal(res.status, 502, res.body);
  assert.equal(res.type, "application/problem+json");
  const problem = JSON.parse(res.body) as { code: string; sitesTried: string[] };
  assert.deepEqual(problem.sitesTried, ["near"]);
  assert.equal(
    siteHits(w, "next") + siteHits(w, "hub"),
    before,
    "the POST may have been acted on: never twice",
  );
});

test("a backend answering 503 is retried on the next site for a GET", async (t) => {
  const w = await world(t);
  for (const backend of w.backends.get("near") ?? []) backend.behave(answerText(503, "busy"));
  const res = await send(w.gateway("near").url);
  assert.equal(res.status, 200, res.body);
  assert.equal(res.site, "next");
  assert.equal(siteHits(w, "near"), 1);
});

test("every retry is counted in gateway_retries_total", async (t) => {
  const w = await world(t);
  for (const backend of w.backends.get("near") ?? []) backend.behave(answerText(503, "busy"));
  const gateway = w.gateway("near");
  for (let i = 0; i < 3; i++) assert.equal((await send(gateway.url)).site, "next");
  assert.equal(await metric(gateway.adminUrl, "gateway_retries_total"), 3);
});

test("a backend's 503 is passed through as it came when no other site can take it", async (t) => {
  const w = await world(t, { sites: [{ id: "solo", tier: "hub" }], ingresses: ["solo"] });
  for (const backend of w.backends.get("solo") ?? []) backend.behave(answerText(503, "busy"));
  const res = await send(w.gateway("solo").url);
  assert.equal(res.status, 503);
  assert.match(res.body, /^busy from solo-\d$/);
  assert.notEqual(res.type, "application/problem+json");
});

const ONE_RETRY_AT_A_TIME = {
  defaults: { retry: { minConcurrent: 1, budgetPercent: 0 } },
  services: [{ name: "web", hosts: ["*"] }],
};

/**
 * Six GETs held at `near` fail together with 503; the retries go to `next`, which holds
 * them, so every granted retry keeps its slot while the others ask. Resolves to how many
 * retries the budget granted once all six have been granted or refused.
 */
async function retriesGranted(w: TestWorld): Promise<number> {
  const failing = gate(503);
  const spare = gate(200);
  for (const backend of w.backends.get("near") ?? []) backend.behave(failing.behaviour);
  for (const backend of w.backends.get("next") ?? []) backend.behave(spare.behaviour);
  const gateway = w.gateway("near");
  const n = 6;
  const answers = Promise.all(Array.from({ length: n }, () => send(gateway.url)));
  await eventually(() => failing.held() === n, 5_000, "every request held at the failing site");

  failing.release();
  const refused = () => metric(gateway.adminUrl, "gateway_retry_budget_exhausted_total");
  await eventually(
    async () => (await refused()) + spare.held() === n,
    5_000,
    "every failed request's retry granted or refused",
  );
  const granted = spare.held();
  spare.release();
  const statuses = (await answers).map((a) => a.status).sort();
  assert.deepEqual(statuses, [...Array(granted).fill(200), ...Array(n - granted).fill(503)]);
  assert.equal(siteHits(w, "next"), granted);
  return granted;
}

test("when the retry budget is spent, failed requests are answered without a retry", async (t) => {
  // minConcurrent 1 and 0%: one retry in flight at a time.
  const w = await world(t, { policy: ONE_RETRY_AT_A_TIME });
  assert.equal(await retriesGranted(w), 1);
});

test("a policy reload resizes the retry budget", async (t) => {
  const w = await world(t); // defaults: minConcurrent 3
  w.gateway("near").state.update({ policy: policySchema.parse(ONE_RETRY_AT_A_TIME) });
  assert.equal(await retriesGranted(w), 1);
});

test("retries after a refused connect are not charged to the retry budget", async (t) => {
  // Regression: 4 concurrent loops lost 10 of 160 GETs to budget exhaustion after a site died;
  // a retry after a refused connect costs the upstreams nothing. (A reset of a request in
  // flight is charged: that one the upstream did see.)
  const policy = {
    defaults: { retry: { budgetPercent: 0, minConcurrent: 1 } },
    services: [{ name: "web", hosts: ["*"] }],
  };
  const w = await world(t, { policy });
  const gateway = w.gateway("near");
  for (let i = 0; i < 8; i++) assert.equal((await send(`${gateway.url}/warm`)).status, 200);
  for (const backend of w.backends.get("near") ?? []) await backend.kill();
  const pools = gateway.upstreams.site("near")?.backends ?? [];
  await eventually(
    () => pools.every((b) => b.pool.stats.connected === 0),
    10_000,
    "pools to see the dead site",
  );
  let sent = 0;
  const failures: number[] = [];
  const loop = async () => {
    while (sent < 160) {
      sent += 1;
      const answer = await send(`${gateway.url}/loop`);
      if (answer.status !== 200) failures.push(answer.status);
    }
  };
  await Promise.all([loop(), loop(), loop(), loop()]);
  assert.deepEqual(failures, []);
  assert.equal(await metric(gateway.adminUrl, "gateway_retry_budget_exhausted_total"), 0);
});

test("a client that leaves before the answer is counted as 499 client_closed, not as a gateway error", async (t) => {
  const w = await world(t);
  let held = 0;
  for (const backend of w.backends.get("near") ?? []) {
    backend.behave(() => {
      held += 1; // never answers: the client gives up first
    });
  }
  const gateway = w.gateway("near");
  const quitter = new AbortController();
  const request = fetch(`${gateway.url}/slow`, { signal: quitter.signal }).catch(() => "aborted");
  await eventually(() => held === 1, 10_000, "the backend to hold the request");
  quitter.abort();
  assert.equal(await request, "aborted");
  await eventually(
    async () =>
      (await metric(gateway.adminUrl, "gateway_requests_total", 'code="client_closed"')) === 1,
    10_000,
    "the request to be counted as client_closed",
  );
  assert.equal(await metric(gateway.adminUrl, "gateway_requests_total", 'code="internal"'), 0);
});

test("tries and breaker changes are reported as health observations", async (t) => {
  const seen: Observation[] = [];
  const w = await world(t, { onObservation: (o) => seen.push(o) });
  for (const backend of w.backends.get("near") ?? []) await backend.kill();
  const gateway = w.gateway("near");
  for (let i = 0; i < 40; i++) assert.equal((await send(`${gateway.url}/x`)).status, 200);
  // The data plane reports its tries to the control plane folded per site, in batches.
  const tries = (site: (id: string) => boolean) =>
    seen.flatMap((o) => (o.kind === "tries" && site(o.site) ? [o] : []));
  const served = () => tries((id) => id !== "near").reduce((n, o) => n + o.servedMs.length, 0);
  await eventually(() => served() === 40, 5_000, "every successful try elsewhere observed");
  const failed = tries((id) => id === "near").reduce((n, o) => n + o.failed, 0);
  assert.ok(failed > 0, "failed tries at the dead site are observed");
  assert.equal(served(), 40, "no successful try is observed twice");
  assert.ok(
    tries(() => true).every((o) => o.servedMs.every((ms) => ms >= 0 && ms < 10_000)),
    "each served try comes with its time to the response head",
  );
  assert.ok(
    seen.some((o) => o.kind === "breaker" && o.state === "open"),
    "a breaker opening is observed",
  );
});

test("real traffic alone takes a dead site down in /sites, and the local gateway stops being ready", async (t) => {
  const w = await world(t);
  const gateway = w.gateway("near");
  assert.equal((await fetch(`${gateway.adminUrl}/readyz`)).status, 200);
  for (const backend of w.backends.get("near") ?? []) await backend.kill();
  for (let i = 0; i < 30; i++) assert.equal((await send(`${gateway.url}/x`)).status, 200);
  const stateOf = async () => {
    const sites = (await (await fetch(`${gateway.adminUrl}/sites`)).json()) as {
      sites: { id: string; state: string }[];
    };
    return sites.sites.find((s) => s.id === "near")?.state;
  };
  await eventually(async () => (await stateOf()) === "down", 10_000, "near to be down in /sites");
  assert.equal((await fetch(`${gateway.adminUrl}/readyz`)).status, 503);
});
