/** Answers the gateway writes itself: RFC 9457 problems. */
import type { ServerResponse } from "node:http";
import {
  type GatewayError,
  PROBLEM_CONTENT_TYPE,
  problemDetails,
} from "../errors/error-catalogue.ts";

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
