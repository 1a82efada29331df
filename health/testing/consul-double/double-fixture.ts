/** Test helpers for the double's own tests: a double per test, plain fetch, polling. */
import type { TestContext } from "node:test";
import { type ConsulDouble, type ConsulDoubleOptions, startConsulDouble } from "./consul-double.ts";

/** A double with no blocking-query stagger, closed when the test ends. */
export async function startDouble(
  t: TestContext,
  options: ConsulDoubleOptions = {},
): Promise<ConsulDouble> {
  const double = await startConsulDouble({ random: () => 0, ...options });
  t.after(() => double.close());
  return double;
}

export interface Got {
  readonly status: number;
  readonly index: number | undefined;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  readonly json: unknown;
}

export async function call(
  double: ConsulDouble,
  path: string,
  init: { method?: string; body?: string | Uint8Array; signal?: AbortSignal } = {},
): Promise<Got> {
  const res = await fetch(`${double.url}${path}`, init);
  const text = await res.text();
  const index = res.headers.get("x-consul-index");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return {
    status: res.status,
    index: index === null ? undefined : Number(index),
    headers: res.headers,
    text,
    json,
  };
}

export const put = (
  double: ConsulDouble,
  path: string,
  body: string | Uint8Array = "",
): Promise<Got> => call(double, path, { method: "PUT", body });

/** Polls `condition` every few milliseconds; fails after `timeoutMs`. */
export async function until(
  condition: () => boolean,
  what: string,
  timeoutMs = 2_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/**
 * Starts a GET that is expected to block; resolves once the double holds it, with the
 * pending answer (boxed: an async function would otherwise wait for the answer itself).
 */
export async function parked(
  double: ConsulDouble,
  path: string,
): Promise<{ answer: Promise<Got> }> {
  const before = double.blockedQueries();
  const answer = call(double, path);
  await until(() => double.blockedQueries() > before, `${path} to block`);
  return { answer };
}

export const WEB_NODE = { Node: "web-1", Address: "10.0.0.1" } as const;

/** One `web` instance with a passing service check on node web-1. */
export function seedWeb(double: ConsulDouble, dc = "dc1"): number {
  return double.setService(
    dc,
    WEB_NODE,
    { ID: "web-1", Service: "web", Port: 8080, Tags: ["v1"] },
    [{ CheckID: "service:web-1", Status: "passing" }],
  );
}
