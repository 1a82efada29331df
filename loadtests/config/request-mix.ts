/**
 * What each flow sends (plain data, imported by k6 and Node alike). Weights are integers:
 * a choice with twice the weight is made twice as often.
 */

/** The browse flow: page loads against the default service (Host = the target's own). */
export const BROWSE_PATHS: readonly { readonly path: string; readonly weight: number }[] = [
  { path: "/", weight: 4 },
  { path: "/catalogue", weight: 3 },
  { path: "/catalogue/item-{n}", weight: 2 },
  { path: "/static/app.css", weight: 1 },
];

/** The api flow's Host: the reference policy's `api` service (latency steering, 3 tries). */
export const API_HOST = "api.example.net";

/**
 * The api flow: methods and body sizes. GET, PUT and DELETE are idempotent (RFC 9110 9.2.2),
 * so the gateway may retry them on another site; POST is not, and is never retried. The
 * largest body (32 KiB) stays under the gateway's default `retry.maxReplayableBodyBytes`
 * (64 KiB), so every idempotent request here stays replayable.
 */
export const API_MIX: readonly {
  readonly method: "GET" | "PUT" | "POST" | "DELETE";
  readonly path: string;
  readonly bodyBytes: number;
  readonly weight: number;
}[] = [
  { method: "GET", path: "/v1/items/{n}", bodyBytes: 0, weight: 8 },
  { method: "GET", path: "/v1/items?page={n}", bodyBytes: 0, weight: 3 },
  { method: "PUT", path: "/v1/items/{n}", bodyBytes: 1_024, weight: 3 },
  { method: "POST", path: "/v1/orders", bodyBytes: 512, weight: 3 },
  { method: "PUT", path: "/v1/blobs/{n}", bodyBytes: 32_768, weight: 1 },
  { method: "DELETE", path: "/v1/items/{n}", bodyBytes: 0, weight: 1 },
];

/** The websocket flow: a long-lived connection that echoes every message. */
export const WEBSOCKET_PATH = "/ws/echo";

/** Methods a gateway may replay on another site (RFC 9110 9.2.2). */
export const IDEMPOTENT_METHODS: readonly string[] = ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"];
