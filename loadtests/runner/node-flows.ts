/**
 * The flows in Node, for the runner: the same plans as the k6 flows (flows/plan-iteration.ts),
 * sent with undici (HTTP) and ws (WebSocket), each as its client (`X-Forwarded-For`). They never
 * throw: a failure becomes a sample with status 0 and the error's message.
 */
import type { Dispatcher } from "undici";
import { request } from "undici";
import WebSocket from "ws";
import type { RequestPlan, SessionPlan } from "../flows/plan-iteration.ts";
import type { Check, RequestSample, SessionSample } from "./sample.ts";

export interface FlowContext {
  readonly baseUrl: string;
  readonly dispatcher: Dispatcher;
  /** ms since the run started. */
  readonly now: () => number;
  /** Sites marked compromised before `atMs` (by the run's own ops). */
  readonly compromisedAt: (atMs: number) => readonly string[];
  /** Off where gateways run without `siteHeaders`. */
  readonly expectSiteHeader: boolean;
  readonly timeoutMs: number;
}

export async function sendRequest(
  context: FlowContext,
  plan: RequestPlan,
  intendedMs: number,
): Promise<RequestSample> {
  const headers: Record<string, string> = { "x-forwarded-for": plan.client.address };
  if (plan.host) headers.host = plan.host;
  if (plan.bodyBytes > 0) headers["content-type"] = "application/octet-stream";
  const body = plan.bodyBytes > 0 ? Buffer.alloc(plan.bodyBytes, "x") : undefined;
  const sentMs = context.now();
  let status = 0;
  let site = "unknown";
  let error: string | undefined;
  try {
    const res = await request(`${context.baseUrl}${plan.path}`, {
      method: plan.method as Dispatcher.HttpMethod,
      headers,
      body,
      dispatcher: context.dispatcher,
      headersTimeout: context.timeoutMs,
      bodyTimeout: context.timeoutMs,
    });
    await res.body.dump();
    status = res.statusCode;
    const header = res.headers["x-gateway-site"];
    if (typeof header === "string") site = header;
  } catch (caught) {
    error = (caught as Error).message;
  }
  const endMs = context.now();
  const ok = status >= 200 && status < 400;
  const checks: Check[] = [
    { name: "status is 2xx/3xx", ok },
    { name: "served by a named site", ok: !context.expectSiteHeader || site !== "unknown" },
  ];
  const { client, flow, method, route, idempotent } = plan;
  const compromisedHit = context.compromisedAt(sentMs).includes(site);
  return {
    kind: "request",
    flow,
    region: client.region,
    continent: client.continent,
    method,
    route,
    idempotent,
    intendedMs,
    sentMs,
    endMs,
    status,
    error,
    site,
    compromisedHit,
    checks,
  };
}

/** A long-lived WebSocket: one message per interval, every echo counted, then a clean close. */
export function websocketSession(
  context: FlowContext,
  plan: SessionPlan,
  intendedMs: number,
): Promise<SessionSample> {
  const url = `${context.baseUrl.replace(/^http/, "ws")}${plan.path}`;
  const sentMs = context.now();
  const socket = new WebSocket(url, { headers: { "x-forwarded-for": plan.client.address } });
  let sent = 0;
  let echoed = 0;
  let error: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  const deadline = setTimeout(
    () => {
      error ??= "session overran its time";
      socket.terminate();
    },
    plan.messages * plan.messageIntervalMs + context.timeoutMs,
  );
  socket.on("open", () => {
    timer = setInterval(() => {
      socket.send(`echo ${sent++}`);
      if (sent >= plan.messages) {
        clearInterval(timer);
        setTimeout(() => socket.close(1000), plan.messageIntervalMs);
      }
    }, plan.messageIntervalMs);
  });
  socket.on("message", () => {
    echoed++;
  });
  socket.on("error", (caught) => {
    error ??= caught.message;
  });
  return new Promise((resolve) => {
    socket.on("close", () => {
      clearInterval(timer);
      clearTimeout(deadline);
      const ok = error === undefined && echoed === plan.messages;
      resolve({
        kind: "session",
        flow: "websocket",
        region: plan.client.region,
        continent: plan.client.continent,
        intendedMs,
        sentMs,
        endMs: context.now(),
        sent,
        echoed,
        error,
        checks: [{ name: "websocket echoed every message", ok }],
      });
    });
  });
}
