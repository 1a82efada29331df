/** The boot's `ui` section: the ops view on the admin API (gateway/ui/README.md). */
import { z } from "zod";
import { ms } from "./limits-schema.ts";

export const uiSchema = z.strictObject({
  enabled: z
    .boolean()
    .default(true)
    .describe("serve the ops view (/ui, its data and event stream) on the admin API"),
  eventIntervalMs: ms(
    1_000,
    60_000,
    "how often an open event stream reads this gateway's state again; an event is sent only when the view changed",
  ),
  heartbeatMs: ms(15_000, 300_000, "a comment line on a stream after this long without an event"),
  maxStreams: z
    .number()
    .int()
    .min(1)
    .max(1_024)
    .default(16)
    .describe("event streams open at once; one more is answered 503 too_many_streams"),
  stallMs: ms(30_000, 600_000, "a stream whose client has read nothing for this long is closed"),
  fleet: z
    .strictObject({
      service: z
        .string()
        .min(1)
        .max(63)
        .default("gateway-metrics")
        .describe("Consul service whose instances serve each gateway's /sites (fleet mode)"),
      path: z
        .string()
        .regex(/^\/[A-Za-z0-9/_-]{0,63}$/)
        .default("/sites")
        .describe("path of /sites at those instances"),
      intervalMs: ms(
        2_000,
        600_000,
        "how often the fleet view reads every gateway again while a fleet stream is open",
      ),
      timeoutMs: ms(2_000, 60_000, "one gateway's /sites not answered by then is unreachable"),
      concurrency: z.number().int().min(1).max(64).default(8).describe("gateways asked at once"),
      maxGateways: z
        .number()
        .int()
        .min(1)
        .max(1_024)
        .default(64)
        .describe("gateways watched at most; the rest are listed as not watched"),
      maxBodyBytes: z
        .number()
        .int()
        .min(1_024)
        .max(16 * 1024 * 1024)
        .default(1024 * 1024)
        .describe("a larger /sites answer makes its gateway unreachable, bytes"),
      refreshMs: ms(30_000, 3_600_000, "how often the list of gateways is asked of Consul"),
    })
    .prefault({}),
});
