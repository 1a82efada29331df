// outcomeOf is pure: one table, sentence names. proxy() does I/O: real undici pools against
// real backends on 127.0.0.1 port 0 (one per site), closed with t.after.
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { catalogueSchema } from "../../routing-tables/catalogue-schema.ts";
import type { Candidate } from "../../routing-tables/plan.ts";
import { policySchema, type RetryPolicy } from "../../routing-tables/policy-schema.ts";
import { buildSnapshot } from "../../routing-tables/snapshot.ts";
import { GatewayError } from "../errors/error-catalogue.ts";
import { testSite } from "../testing/consul-world.ts";
import {
  type BackendBehaviour,
  echo,
  eventually,
  gate,
  startBackend,
  type TestBackend,
} from "../testing/fixtures.ts";
import { ClientGone } from "./client-gone.ts";
import { type UpstreamResponse, UpstreamStatusError } from "./forward-try.ts";
import { outcomeOf, proxy } from "./proxy.ts";
import { RetryBudget, type TryOutcome } from "./retry-policy.ts";
import { Upstreams } from "./upstreams.ts";

const coded = (code: string) => Object.assign(new Error(code), { code });
const status = (statusCode: number) =>
  new UpstreamStatusError({ statusCode } as unknown as UpstreamResponse);

const outcomes: readonly [string, unknown, TryOutcome | undefined][] = [
  ["an upstream 503", status(503), { kind: "status", status: 503 }],
  ["an upstream 502", status(502), { kind: "status", status: 502 }],
  ["ECONNREFUSED", coded("ECONNREFUSED"), { kind: "connect-failed" }],
  ["UND_ERR_CONNECT_TIMEOUT", coded("UND_ERR_CONNECT_TIMEOUT"), { kind: "connect-failed" }],
  ["ENOTFOUND", coded("ENOTFOUND"), { kind: "connect-failed" }],
  ["EAI_AGAIN", coded("EAI_AGAIN"), { kind: "connect-failed" }],
  ["EHOSTUNREACH", coded("EHOSTUNREACH"), { kind: "connect-failed" }],
  ["ENETUNREACH", coded("ENETUNREACH"), { kind: "connect-failed" }],
  [
    "UND_ERR_HEADERS_TIMEOUT",
    coded("UND_ERR_HEADERS_TIMEOUT"),
    { kind: "timeout-before-response" },
  ],
  ["ECONNRESET", coded("ECONNRESET"), { kind: "reset-before-response" }],
  ["UND_ERR_SOCKET", coded("UND_ERR_SOCKET"), { kind: "reset-before-response" }],
  ["EPIPE", coded("EPIPE"), { kind: "reset-before-response" }],
  ["UND_ERR_CLOSED", coded("UND_ERR_CLOSED"), { kind: "reset-before-response" }],
  ["an open breaker (EOPENBREAKER)", coded("EOPENBREAKER"), { kind: "circuit-open" }],
  ["a full breaker (ESEMLOCKED)", coded("ESEMLOCKED"), { kind: "circuit-open" }],
  ["a body timeout (after the head)", coded("UND_ERR_BODY_TIMEOUT"), undefined],
  ["an abort", coded("UND_ERR_ABORTED"), undefined],
  ["an error without a code", new Error("boom"), undefined],
  ["null", null, undefined],
  ["a string", "ECONNREFUSED", undefined],
];

for (const [what, error, expected] of outcomes) {
  test(`outcomeOf reads ${what} as ${expected ? expected.kind : "not retryable"}`, () => {
    assert.deepEqual(outcomeOf(error), expected);
  });
}

const RETRY: RetryPolicy = {
  maxAttempts: 3,
  budgetPercent: 20,
  minConcurrent: 3,
  perTryTimeoutMs: 5_000,
  maxReplayableBodyBytes: 65_536,
};

const answer =
  (code: number): BackendBehaviour =>
  (req, res, name) => {
    req.resume();
    res.writeHead(code, { "content-type": "text/plain" });
    res.end(`${code} from ${name}`);
  };

interface Rig {
  readonly upstreams: Upstreams;
  readonly candidates: readonly Candidate[];
  readonly backends: ReadonlyMap<string, TestBackend>;
}

type After = { after: (fn: () => unknown) => void };

/** `perSite` backends per site (the first in `backends`), in candidate order; the first site is the hub. */
async function rig(
  t: After,
  behaviours: Record<string, BackendBehaviour>,
  volumeThreshold = 100,
  perSite = 1,
): Promise<Rig> {
  const all = new Map<string, TestBackend[]>();
  for (const [site, behaviour] of Object.entries(behaviours)) {
    const list: TestBackend[] = [];
    for (let i = 1; i <= perSite; i++) list.push(await startBackend(`${site}-${i}`, behaviour));
    all.set(site, list);
  }
  const backends = new Map([...all].map(([site, list]) => [site, list[0] as TestBackend]));
  t.after(() => Promise.all([...all.values()].flat().map((b) => b.kill())));
  const catalogue = catalogueSchema.parse({
    sites: [...all].map(([id, list], i) =>
      testSite(id, {
        longitude: i,
        tier: i === 0 ? "hub" : "edge",
        backends: list.map((b) => b.address),
      }),
    ),
  });
  const policy = policySchema.parse({ services: [{ name: "web", hosts: ["*"] }] });
  const { sites } = buildSnapshot({ version: 1, catalogue, policy });
  const breaker = { volumeThreshold, errorThresholdPercentage: 50, resetTimeoutMs: 60_000 };
  const settings = { ...breaker, rollingWindowMs: 10_000, capacity: 100 };
  const upstreams = new Upstreams({
    pool: {
      connections: 4,
      keepAliveTimeoutMs: 1_000,
      connectTimeoutMs: 1_000,
      queueTimeoutMs: 1_000,
    },
    siteBreaker: settings,
    backendBreaker: settings,
    onBreaker: () => {},
    // These tests are about what proxy does with open breakers, not about how many may open.
    maxEjectionPercent: 100,
  });
  await upstreams.sync(sites);
  t.after(() => upstreams.close());
  const candidates = sites.map((site) => ({
    site,
    weight: 1 / sites.length,
    costMs: 0,
    reasons: [],
  }));
  return { upstreams, candidates, backends };
}

const GET = { method: "GET" as const, path: "/", headers: {}, body: null };

function run(
  r: Rig,
  options: {
    retry?: Partial<RetryPolicy>;
    budget?: RetryBudget;
    replayable?: boolean;
    method?: "GET" | "POST";
  } = {},
) {
  const budget = options.budget ?? new RetryBudget({ budgetPercent: 20, minConcurrent: 3 });
  let exhausted = 0;
  const context = {
    upstreams: r.upstreams,
    budget,
    random: () => 0,
    onBudgetExhausted: () => {
      exhausted += 1;
    },
  };
  // A streamed body can be sent once only: that is what makes a request not replayable.
  const body = options.replayable === false ? Readable.from(["streamed"]) : null;
  const request = { ...GET, method: options.method ?? "GET", body };
  const retry = { ...RETRY, ...options.retry };
  const done = proxy(r.candidates, request, retry, context, new ClientGone());
  return { done, exhausted: () => exhausted, budget };
}

const hits = (r: Rig, site: string) => r.backends.get(site)?.hits() ?? 0;

test("proxy answers from the first candidate when it serves", async (t) => {
  const r = await rig(t, { a: echo, b: echo });
  const proxied = await run(r).done;
  assert.equal(proxied.site, "a");
  assert.deepEqual(proxied.sitesTried, ["a"]);
  assert.equal(proxied.response.statusCode, 200);
  proxied.response.body.dump();
});

test("proxy moves on to the next site after an upstream 503 and frees the retry slot", async (t) => {
  const r = await rig(t, { a: answer(503), b: echo });
  const { done, budget } = run(r);
  const proxied = await done;
  assert.equal(proxied.site, "b");
  assert.deepEqual(proxied.sitesTried, ["a", "b"]);
  proxied.response.body.dump();
  assert.equal(budget.stats().activeRetries, 0);
  // The 503 from `a` was drained, so `a` no longer counts it as outstanding.
  const failed = r.upstreams.site("a")?.backends[0];
  await eventually(() => failed?.outstanding === 0, 2_000, "a's outstanding count back to 0");
});

test("proxy passes the last upstream 503 through when every site fails", async (t) => {
  const r = await rig(t, { a: answer(503), b: answer(503) });
  const proxied = await run(r).done;
  assert.equal(proxied.response.statusCode, 503);
  assert.deepEqual(proxied.sitesTried, ["a", "b"]);
  assert.equal(await proxied.response.body.text(), "503 from b-1");
});

test("proxy makes no more than maxAttempts tries", async (t) => {
  const r = await rig(t, { a: answer(503), b: answer(503), c: echo });
  const proxied = await run(r, { retry: { maxAttempts: 2 } }).done;
  assert.deepEqual(proxied.sitesTried, ["a", "b"]);
  assert.equal(proxied.response.statusCode, 503);
  proxied.response.body.dump();
  assert.equal(hits(r, "c"), 0);
});

test("proxy passes over a site whose breaker is open without spending a try", async (t) => {
  const r = await rig(t, { a: echo, b: echo }, 1);
  const breaker = r.upstreams.site("a")?.breaker;
  await breaker?.run(() => Promise.reject(new Error("trip"))).catch(() => {});
  assert.equal(breaker?.isOpen, true);
  const proxied = await run(r, { retry: { maxAttempts: 1 } }).done;
  assert.equal(proxied.site, "b");
  assert.deepEqual(proxied.sitesTried, ["b"]);
  proxied.response.body.dump();
  assert.equal(hits(r, "a"), 0);
});

test("proxy answers no_usable_site when every site's breaker is open", async (t) => {
  const r = await rig(t, { a: echo, b: echo }, 1);
  for (const site of r.upstreams.all())
    await site.breaker.run(() => Promise.reject(new Error("trip"))).catch(() => {});
  await assert.rejects(run(r).done, (error: unknown) => {
    assert.ok(error instanceof GatewayError);
    assert.equal(error.code, "no_usable_site");
    return true;
  });
});

test("proxy does not retry a request whose body cannot be replayed", async (t) => {
  const r = await rig(t, { a: answer(503), b: echo });
  const proxied = await run(r, { replayable: false }).done;
  assert.equal(proxied.response.statusCode, 503);
  assert.deepEqual(proxied.sitesTried, ["a"]);
  proxied.response.body.dump();
  assert.equal(hits(r, "b"), 0);
});

test("proxy retries a POST whose connection was refused at the next site", async (t) => {
  const r = await rig(t, { a: echo, b: echo });
  await r.backends.get("a")?.kill();
  const proxied = await run(r, { method: "POST" }).done;
  assert.equal(proxied.site, "b");
  assert.deepEqual(proxied.sitesTried, ["a", "b"]);
  assert.equal(proxied.response.statusCode, 200);
  proxied.response.body.dump();
});

test("proxy does not retry a POST the upstream answered 503", async (t) => {
  const r = await rig(t, { a: answer(503), b: echo });
  const proxied = await run(r, { method: "POST" }).done;
  assert.equal(proxied.response.statusCode, 503);
  proxied.response.body.dump();
  assert.equal(hits(r, "b"), 0);
});

test("proxy makes no retry the budget refuses, and says so", async (t) => {
  const r = await rig(t, { a: answer(503), b: echo });
  const budget = new RetryBudget({ budgetPercent: 0, minConcurrent: 0 });
  const { done, exhausted } = run(r, { budget });
  const proxied = await done;
  assert.equal(proxied.response.statusCode, 503);
  assert.deepEqual(proxied.sitesTried, ["a"]);
  proxied.response.body.dump();
  assert.equal(exhausted(), 1);
  assert.equal(hits(r, "b"), 0);
  const stats = budget.stats();
  assert.deepEqual([stats.granted, stats.refused, stats.activeRetries], [0, 1, 0]);
});

test("proxy turns refused connections at every site into upstream_refused", async (t) => {
  const r = await rig(t, { a: echo, b: echo });
  for (const backend of r.backends.values()) await backend.kill();
  await assert.rejects(run(r).done, (error: unknown) => {
    assert.ok(error instanceof GatewayError);
    assert.equal(error.code, "upstream_refused");
    assert.deepEqual(error.sitesTried, ["a", "b"]);
    return true;
  });
});

test("client hang-ups count against neither the backend nor the site: three opened a breaker", async (t) => {
  // Regression (issue 11): each hang-up aborted the try, and the abort counted as a failure.
  const held = gate();
  const r = await rig(t, { a: held.behaviour }, 3, 2);
  t.after(() => held.release());
  const budget = new RetryBudget({ budgetPercent: 20, minConcurrent: 3 });
  const context = { upstreams: r.upstreams, budget, random: () => 0 };
  const retry = { ...RETRY, maxAttempts: 1 };
  for (let i = 1; i <= 3; i++) {
    const gone = new ClientGone();
    const done = proxy(r.candidates, GET, retry, context, gone);
    await eventually(() => held.held() === i, 2_000, `the backends to hold request ${i}`);
    gone.leave();
    await assert.rejects(done);
  }
  const site = r.upstreams.site("a");
  assert.equal(site?.breaker.state, "closed");
  assert.deepEqual(
    site?.backends.map((b) => b.breaker.state),
    ["closed", "closed"],
  );
});

test("resets before the response do count: a backend whose tries fail that way is taken out", async (t) => {
  // The counterpart of the test above, so that it can fail: the same rig does open a breaker.
  const r = await rig(t, { a: (req) => req.socket.destroy(), b: echo }, 3, 2);
  const budget = new RetryBudget({ budgetPercent: 100, minConcurrent: 10 });
  const context = { upstreams: r.upstreams, budget, random: () => 0 };
  for (let i = 0; i < 6; i++) {
    const proxied = await proxy(r.candidates, GET, RETRY, context, new ClientGone());
    proxied.response.body.dump();
  }
  const states = r.upstreams.site("a")?.backends.map((b) => b.breaker.state) ?? [];
  assert.equal(states.filter((s) => s === "open").length, 1, `${states}`);
  assert.equal(r.upstreams.site("a")?.breaker.state, "closed", "resets do not take a site out");
});
