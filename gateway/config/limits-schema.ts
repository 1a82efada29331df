/**
 * The boot config's front-door settings: what bounds a client connection, a request head and
 * body, a slow reader and an upgraded tunnel (`limits`), and how request paths are made
 * canonical (`paths`). Each default names the setting of nginx, HAProxy, Envoy or Kestrel it
 * follows; gateway/server/README.md explains the choices.
 */
import { z } from "zod";

export const ms = (fallback: number, max: number, text: string) =>
  z.number().int().min(1).max(max).default(fallback).describe(`${text}, ms`);

/** A duration where 0 turns the check off. */
const msOrOff = (fallback: number, max: number, text: string) =>
  z.number().int().min(0).max(max).default(fallback).describe(`${text}, ms; 0: off`);

const bytes = (fallback: number, min: number, max: number, text: string) =>
  z.number().int().min(min).max(max).default(fallback).describe(`${text}, bytes`);

export const limitsSchema = z
  .strictObject({
    maxHeaderBytes: bytes(16_384, 1024, 1_048_576, "request head size; over it: 431"),
    headersTimeoutMs: ms(10_000, 600_000, "the whole request head must arrive within this (408)"),
    requestTimeoutMs: ms(
      300_000,
      3_600_000,
      "the whole request, body included, must arrive within this (408)",
    ),
    maxBodyBytes: bytes(10_485_760, 0, 1 << 30, "request body cap; over it: 413"),
    bodyIdleTimeoutMs: ms(
      30_000,
      3_600_000,
      "longest pause between two reads of a request body while the gateway is reading it; then 408 (nginx client_body_timeout, 60 s)",
    ),
    minBodyBytesPerSecond: z
      .number()
      .int()
      .min(0)
      .max(1 << 30)
      .default(240)
      .describe(
        "slowest request body accepted once bodyRateGraceMs of reading has passed: the average since the body began, time the gateway was not reading not counted; slower: 408 (Kestrel MinRequestBodyDataRate); 0: off, bytes/s",
      ),
    bodyRateGraceMs: ms(
      10_000,
      600_000,
      "reading time before minBodyBytesPerSecond applies (Kestrel's grace period, 5 s)",
    ),
    sendTimeoutMs: ms(
      60_000,
      3_600_000,
      "longest a client may leave a response unread (nothing drains) before the connection is closed (nginx send_timeout)",
    ),
    lingeringTimeMs: msOrOff(
      2_000,
      60_000,
      "after an early answer (400, 408, 413, 431 before the request was read), how long the rest of what the client sends is read and discarded before closing, so the client sees the answer, not a reset (nginx lingering_close; Apache lingers 2 s)",
    ),
    lingeringBytes: bytes(
      1_048_576,
      0,
      1 << 30,
      "most bytes read and discarded while lingering; then the connection is closed",
    ),
    maxConnections: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .default(10_000)
      .describe(
        "client connections the data plane holds at once (per process, with workers); more are closed as they are accepted, counted in gateway_connections_refused_total (HAProxy maxconn). Keep it well below the file-descriptor limit (the unit's LimitNOFILE=65536): each proxied request also holds an upstream connection",
      ),
    upgradeIdleTimeoutMs: ms(
      300_000,
      86_400_000,
      "an upgraded connection (WebSocket) with no byte either way for this long is closed (Envoy stream_idle_timeout, 5 min)",
    ),
    keepAliveTimeoutMs: ms(5_000, 600_000, "idle keep-alive connection closed after"),
    shutdownDelayMs: z
      .number()
      .int()
      .min(0)
      .max(60_000)
      .default(0)
      .describe(
        "on SIGTERM, /readyz turns 503 at once but new connections are still served this long before the listener closes, so health checks and the anycast announcer take the site out first (as HAProxy's grace), ms",
      ),
    shutdownGraceMs: ms(
      30_000,
      600_000,
      "then in-flight requests may finish within (after the listener has closed)",
    ),
  })
  .prefault({});

export type Limits = z.output<typeof limitsSchema>;

export const pathsSchema = z
  .strictObject({
    normalize: z
      .boolean()
      .default(true)
      .describe(
        "route and forward the canonical path: RFC 3986 dot segments removed, encoded unreserved characters decoded, %XX upper-cased (Envoy normalize_path; nginx's normalised URI)",
      ),
    mergeSlashes: z
      .boolean()
      .default(true)
      .describe("runs of / become one (nginx merge_slashes on, Envoy merge_slashes)"),
    escapedSlashes: z
      .enum(["reject", "keep"])
      .default("reject")
      .describe(
        "an encoded / or \\ (%2F, %5C) or a raw \\ in the path: 400 bad_path, or passed on as sent (Envoy path_with_escaped_slashes_action REJECT_REQUEST / KEEP_UNCHANGED). %00, a bad % and a # are always 400",
      ),
  })
  .prefault({});
