/** Answers the gateway writes itself: RFC 9457 problems, on a response or on a raw socket. */
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import {
  type GatewayError,
  PROBLEM_CONTENT_TYPE,
  type ProblemOptions,
  problemDetails,
} from "./error-catalogue.ts";

export interface ProblemContext {
  readonly requestId: string;
  readonly unknownHostStatus: 421 | 404;
  readonly via: string;
}

/** Sends the problem, or, when the response head is already out, cuts the connection. */
export function sendProblem(
  res: ServerResponse,
  error: GatewayError,
  context: ProblemContext,
): number {
  const { requestId, unknownHostStatus } = context;
  const details = problemDetails(error, { requestId, unknownHostStatus });
  const { status } = details;
  if (res.headersSent) {
    res.destroy(error);
    return status;
  }
  const body = JSON.stringify(details); // problemBody's bytes, from the details built once
  if (!res.req.complete) res.shouldKeepAlive = false;
  res.writeHead(status, {
    "content-type": PROBLEM_CONTENT_TYPE,
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
    via: context.via,
    "x-request-id": requestId,
  });
  res.end(body);
  return status;
}

/**
 * The problem as a whole HTTP/1.1 response for a raw socket, closing the connection: the
 * body is problemDetails' (the same bytes sendProblem writes), `requestId` a fresh UUID
 * unless given.
 */
export function rawProblem(
  error: GatewayError,
  { requestId = randomUUID(), unknownHostStatus }: Omit<ProblemOptions, "instance"> = {},
): string {
  const details = problemDetails(error, { requestId, unknownHostStatus });
  const body = JSON.stringify(details);
  return [
    `HTTP/1.1 ${details.status} ${details.title}`,
    `Content-Type: ${PROBLEM_CONTENT_TYPE}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    `X-Request-Id: ${requestId}`,
    "Connection: close",
    "",
    body,
  ].join("\r\n");
}
