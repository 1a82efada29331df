/**
 * The k6 flows. Each takes the target's base URL and an iteration plan (flows/plan-iteration.ts)
 * and sends it as that client: `X-Forwarded-For` names the client, which the target believes
 * only because the load generator is one of its trusted proxies.
 *
 * Requests are tagged by client region, continent, flow and idempotency (known before sending),
 * so thresholds can use `http_req_duration{region:…}`. The serving site is only known from the
 * answer's `x-gateway-site` header, after k6 has tagged the request: it goes to the custom
 * metrics `site_req_duration` and `site_req_failed`, tagged `site`.
 */
import { check } from "k6";
import http from "k6/http";
import { Counter, Rate, Trend } from "k6/metrics";
import { clearInterval, setInterval, setTimeout } from "k6/timers";
import { WebSocket } from "k6/websockets";
import type { RequestPlan, SessionPlan } from "../flows/plan-iteration.ts";

const siteDuration = new Trend("site_req_duration", true);
const siteFailed = new Rate("site_req_failed");
const compromisedHits = new Counter("compromised_site_requests");
const echoes = new Counter("ws_echoes");

/** Off where the gateways run without `siteHeaders` (production default): SITE_HEADER=off. */
const EXPECT_SITE_HEADER = __ENV.SITE_HEADER !== "off";

function tagsOf(plan: RequestPlan | SessionPlan): Record<string, string> {
  const tags: Record<string, string> = {
    flow: plan.flow,
    region: plan.client.region,
    continent: plan.client.continent,
  };
  if (plan.flow !== "websocket") {
    tags.idempotent = String(plan.idempotent);
    tags.name = plan.route;
  }
  return tags;
}

/** One browse or api request; `compromised`: sites that must serve nothing now. */
export function sendRequest(
  baseUrl: string,
  plan: RequestPlan,
  compromised: readonly string[],
): void {
  const tags = tagsOf(plan);
  const headers: Record<string, string> = { "X-Forwarded-For": plan.client.address };
  if (plan.host) headers.Host = plan.host;
  if (plan.bodyBytes > 0) headers["Content-Type"] = "application/octet-stream";
  const body = plan.bodyBytes > 0 ? "x".repeat(plan.bodyBytes) : null;
  const res = http.request(plan.method, `${baseUrl}${plan.path}`, body, { headers, tags });
  const site = res.headers["X-Gateway-Site"] ?? "unknown";
  const ok = res.status >= 200 && res.status < 400;
  check(
    res,
    {
      "status is 2xx/3xx": () => ok,
      "served by a named site": () => !EXPECT_SITE_HEADER || site !== "unknown",
    },
    tags,
  );
  siteDuration.add(res.timings.duration, { ...tags, site });
  siteFailed.add(!ok, { ...tags, site });
  if (compromised.includes(site)) compromisedHits.add(1, { ...tags, site });
}

/** A long-lived WebSocket: one message every interval, each echo counted, then a clean close. */
export function websocket(baseUrl: string, plan: SessionPlan): void {
  const tags = tagsOf(plan);
  const url = `${baseUrl.replace(/^http/, "ws")}${plan.path}`;
  const socket = new WebSocket(url, null, {
    headers: { "X-Forwarded-For": plan.client.address },
    tags,
  });
  let sent = 0;
  let received = 0;
  socket.onopen = () => {
    const timer = setInterval(() => {
      socket.send(`echo ${sent++}`);
      if (sent >= plan.messages) {
        clearInterval(timer);
        setTimeout(() => socket.close(), plan.messageIntervalMs);
      }
    }, plan.messageIntervalMs);
  };
  socket.onmessage = () => {
    received++;
    echoes.add(1, tags);
  };
  let judged = false;
  // An error may or may not be followed by a close: the session is judged once, on the first.
  const judge = () => {
    if (judged) return;
    judged = true;
    check(received, { "websocket echoed every message": (n) => n === plan.messages }, tags);
  };
  socket.onclose = judge;
  socket.onerror = () => {
    judge();
    socket.close();
  };
}
