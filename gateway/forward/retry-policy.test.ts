// The retry rules (which failures, which methods, how many tries) and the retry budget's
// arithmetic (Envoy's: max(minConcurrent, active × percent / 100) retries in flight).
import assert from "node:assert/strict";
import { test } from "node:test";
import { isIdempotent, RetryBudget, retryDelay, type TryOutcome } from "./retry-policy.ts";

const replayable = { maxAttempts: 3, bodyReplayable: true };
const connectFailed: TryOutcome = { kind: "connect-failed" };
const status = (code: number): TryOutcome => ({ kind: "status", status: code });

const delayCases: {
  name: string;
  method?: string;
  attempt?: number;
  outcome: TryOutcome;
  rules?: { maxAttempts: number; bodyReplayable: boolean };
  delay: number | null;
}[] = [
  { name: "a GET whose connection failed is retried at once", outcome: connectFailed, delay: 0 },
  {
    name: "a GET reset before any response byte is retried",
    outcome: { kind: "reset-before-response" },
    delay: 0,
  },
  {
    name: "a GET that timed out before any response byte is retried",
    outcome: { kind: "timeout-before-response" },
    delay: 0,
  },
  {
    name: "a GET refused by an open breaker is retried",
    outcome: { kind: "circuit-open" },
    delay: 0,
  },
  { name: "an upstream 502 is retried", outcome: status(502), delay: 0 },
  { name: "an upstream 503 is retried", outcome: status(503), delay: 0 },
  { name: "an upstream 504 is retried", outcome: status(504), delay: 0 },
  { name: "an upstream 500 is not retried", outcome: status(500), delay: null },
  { name: "an upstream 501 is not retried", outcome: status(501), delay: null },
  { name: "an upstream 429 is not retried", outcome: status(429), delay: null },
  { name: "an upstream 404 is not retried", outcome: status(404), delay: null },
  { name: "an upstream 200 is not retried", outcome: status(200), delay: null },
  {
    name: "a POST whose connection was refused is retried (nothing reached an upstream)",
    method: "POST",
    outcome: connectFailed,
    delay: 0,
  },
  {
    name: "a POST refused by an open breaker is retried (nothing reached an upstream)",
    method: "POST",
    outcome: { kind: "circuit-open" },
    delay: 0,
  },
  {
    name: "a POST reset before the response is not retried (the upstream may have acted on it)",
    method: "POST",
    outcome: { kind: "reset-before-response" },
    delay: null,
  },
  {
    name: "a POST that timed out before the response is not retried",
    method: "POST",
    outcome: { kind: "timeout-before-response" },
    delay: null,
  },
  { name: "a POST answered 503 is not retried", method: "POST", outcome: status(503), delay: null },
  {
    name: "a PATCH answered 503 is not retried",
    method: "PATCH",
    outcome: status(503),
    delay: null,
  },
  {
    name: "a POST whose body cannot be sent again is not retried, even after a refused connect",
    method: "POST",
    outcome: connectFailed,
    rules: { maxAttempts: 3, bodyReplayable: false },
    delay: null,
  },
  {
    name: "a lower-case get is not GET (methods are case-sensitive)",
    method: "get",
    outcome: status(503),
    delay: null,
  },
  {
    name: "a GET whose body cannot be sent again is not retried",
    outcome: connectFailed,
    rules: { maxAttempts: 3, bodyReplayable: false },
    delay: null,
  },
  {
    name: "the second failed try of three is retried",
    attempt: 2,
    outcome: connectFailed,
    delay: 0,
  },
  {
    name: "the third failed try of three is the last",
    attempt: 3,
    outcome: connectFailed,
    delay: null,
  },
  {
    name: "a try past maxAttempts is not retried",
    attempt: 7,
    outcome: connectFailed,
    delay: null,
  },
  {
    name: "maxAttempts 1 means no retry at all",
    outcome: connectFailed,
    rules: { maxAttempts: 1, bodyReplayable: true },
    delay: null,
  },
];

for (const c of delayCases) {
  test(c.name, () => {
    assert.equal(
      retryDelay(c.method ?? "GET", c.attempt ?? 1, c.outcome, c.rules ?? replayable),
      c.delay,
    );
  });
}

for (const method of ["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"]) {
  test(`${method} is idempotent and retried after a connect failure`, () => {
    assert.equal(isIdempotent(method), true);
    assert.equal(retryDelay(method, 1, connectFailed, replayable), 0);
  });
}

for (const method of ["POST", "PATCH", "CONNECT", "get", ""]) {
  test(`${JSON.stringify(method)} is not idempotent`, () => {
    assert.equal(isIdempotent(method), false);
  });
}

const badArguments: { name: string; attempt: number; maxAttempts: number }[] = [
  { name: "attempt 0 is a caller's bug", attempt: 0, maxAttempts: 3 },
  { name: "a fractional attempt is a caller's bug", attempt: 1.5, maxAttempts: 3 },
  { name: "maxAttempts 0 is a caller's bug", attempt: 1, maxAttempts: 0 },
  { name: "a NaN maxAttempts is a caller's bug", attempt: 1, maxAttempts: Number.NaN },
];
for (const c of badArguments) {
  test(c.name, () => {
    const rules = { maxAttempts: c.maxAttempts, bodyReplayable: true };
    assert.throws(() => retryDelay("GET", c.attempt, connectFailed, rules), RangeError);
  });
}

function budgetWith(
  active: number,
  settings = { budgetPercent: 20, minConcurrent: 3 },
): RetryBudget {
  const budget = new RetryBudget(settings);
  for (let i = 0; i < active; i += 1) budget.requestStarted();
  return budget;
}

/** Takes slots until refused; returns how many were granted. */
function drain(budget: RetryBudget): number {
  let granted = 0;
  while (budget.tryAcquire()) granted += 1;
  return granted;
}

const budgetCases: { name: string; active: number; percent: number; min: number; limit: number }[] =
  [
    {
      name: "with no active request the floor of 3 still allows 3 retries",
      active: 0,
      percent: 20,
      min: 3,
      limit: 3,
    },
    {
      name: "with 3 active requests 20% rounds to 0, so the floor of 3 holds",
      active: 3,
      percent: 20,
      min: 3,
      limit: 3,
    },
    {
      name: "with 10 active requests 20% is 2, below the floor of 3",
      active: 10,
      percent: 20,
      min: 3,
      limit: 3,
    },
    {
      name: "with 100 active requests 20% allows 20 retries",
      active: 100,
      percent: 20,
      min: 3,
      limit: 20,
    },
    {
      name: "with 10 active requests 50% allows 5 retries",
      active: 10,
      percent: 50,
      min: 1,
      limit: 5,
    },
    {
      name: "the share is rounded down: 20% of 19 is 3",
      active: 19,
      percent: 20,
      min: 0,
      limit: 3,
    },
    {
      name: "a floor of 0 and a small share allow no retry",
      active: 3,
      percent: 20,
      min: 0,
      limit: 0,
    },
    { name: "a 0% budget allows only the floor", active: 100, percent: 0, min: 2, limit: 2 },
    {
      name: "a 100% budget allows one retry per active request",
      active: 10,
      percent: 100,
      min: 0,
      limit: 10,
    },
  ];

for (const c of budgetCases) {
  test(c.name, () => {
    const budget = budgetWith(c.active, { budgetPercent: c.percent, minConcurrent: c.min });
    assert.equal(budget.stats().limit, c.limit);
    assert.equal(drain(budget), c.limit);
    assert.deepEqual(budget.stats(), {
      activeRequests: c.active,
      activeRetries: c.limit,
      limit: c.limit,
      granted: c.limit,
      refused: 1,
    });
  });
}

test("a released slot can be taken again", () => {
  const budget = budgetWith(0);
  assert.equal(drain(budget), 3);
  budget.release();
  assert.equal(budget.tryAcquire(), true);
  assert.equal(budget.tryAcquire(), false);
  assert.equal(budget.stats().activeRetries, 3);
});

test("when requests finish, retries over the new limit are refused until enough are released", () => {
  const budget = budgetWith(100);
  assert.equal(drain(budget), 20);
  for (let i = 0; i < 90; i += 1) budget.requestFinished();
  assert.equal(budget.stats().limit, 3);
  assert.equal(budget.tryAcquire(), false);
  for (let i = 0; i < 17; i += 1) budget.release();
  assert.equal(budget.tryAcquire(), false, "3 in flight, limit 3");
  budget.release();
  assert.equal(budget.tryAcquire(), true);
});

test("releasing a slot never taken is a caller's bug", () => {
  assert.throws(() => budgetWith(5).release(), /release\(\) without/);
});

test("finishing a request never started is a caller's bug", () => {
  assert.throws(() => budgetWith(0).requestFinished(), /requestFinished\(\) without/);
});

const badSettings: { name: string; budgetPercent: number; minConcurrent: number }[] = [
  { name: "a budget over 100% is refused", budgetPercent: 101, minConcurrent: 3 },
  { name: "a negative budget is refused", budgetPercent: -1, minConcurrent: 3 },
  { name: "a NaN budget is refused", budgetPercent: Number.NaN, minConcurrent: 3 },
  { name: "a negative floor is refused", budgetPercent: 20, minConcurrent: -1 },
  { name: "a fractional floor is refused", budgetPercent: 20, minConcurrent: 1.5 },
];
for (const c of badSettings) {
  test(c.name, () => {
    assert.throws(() => new RetryBudget(c), RangeError);
  });
}
