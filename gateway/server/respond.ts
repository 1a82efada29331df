/** Answers the gateway writes itself: RFC 9457 problems. */
import type { ServerResponse } from "node:http";
import {
  type GatewayError,
  PROBLEM_CONTENT_TYPE,
  problemBody,
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
  const options = { requestId: context.requestId, unknownHostStatus: context.unknownHostStatus };
  const status = problemDetails(error, options).status;
  if (res.headersSent) {
    res.destroy(error);
    return status;
  }
  const body = problemBody(error, options);
  if (!res.req.complete) res.shouldKeepAlive = false;
  res.writeHead(status, {
    "content-type": PROBLEM_CONTENT_TYPE,
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
    via: context.via,
    "x-request-id": context.requestId,
  });
  res.end(body);
  return status;
}
