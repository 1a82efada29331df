/**
 * The plain listener with `tls.plainHttp: redirect`: a request for a host some service serves
 * is answered 308 Permanent Redirect to the same path on https:// (308 keeps the method and
 * body, where 301 lets clients turn a POST into a GET), except ACME HTTP-01 challenges
 * (`/.well-known/acme-challenge/`, RFC 8555 §8.3), which a certificate authority fetches over
 * plain HTTP and which are served as any request. A request the front door would refuse (a bad
 * Host or path, a host no service serves) is not redirected: it is served, and so refused with
 * its problem, as it would be without the option — the gateway never redirects an arbitrary
 * Host. The redirect is logged and counted like any answer (`code: https_redirect`).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { matchService, type ServiceRouter } from "../../routing-tables/service-router.ts";
import { requestAuthority } from "./authority.ts";
import { requestIdOf } from "./forwarding.ts";
import type { HandlerContext } from "./handle-request.ts";
import { lingerOnClose } from "./lingering-close.ts";
import { normalizePath, type PathRules } from "./normalize-path.ts";
import { headOf, logRecord, newRecord } from "./request-log.ts";

export const ACME_CHALLENGE_PREFIX = "/.well-known/acme-challenge/";

/** The https:// URL a plain request is redirected to; undefined: serve it. Pure. */
export function httpsLocation(
  req: IncomingMessage,
  router: ServiceRouter,
  paths: PathRules,
  port: number,
): string | undefined {
  const authority = requestAuthority(req);
  if (!authority.ok) return undefined;
  const path = normalizePath(authority.path, paths);
  if (!path.ok || path.path.startsWith(ACME_CHALLENGE_PREFIX)) return undefined;
  if (!matchService(router, authority.host, path.path)) return undefined;
  return `https://${hostName(authority.host)}${port === 443 ? "" : `:${port}`}${authority.path}`;
}

/** Redirects a plain request when it should be; false: serve it (handle-request.ts). */
export function redirectToHttps(
  req: IncomingMessage,
  res: ServerResponse,
  context: HandlerContext,
  port: number,
): boolean {
  const location = httpsLocation(req, context.state.snapshot.router, context.paths, port);
  if (location === undefined) return false;
  const peer = req.socket.remoteAddress;
  const record = newRecord(requestIdOf(req, peer !== undefined && context.trusted.has(peer)), peer);
  const head = headOf(req);
  // A body sent with it is read and dropped (the client sends it again to https), as any
  // early answer's: the connection closes after the answer, lingering up to its bounds.
  if (!req.complete) {
    res.shouldKeepAlive = false;
    lingerOnClose(req, context.limits);
  }
  sendRedirect(res, location, record.requestId);
  record.status = 308;
  record.code = "https_redirect";
  const seconds = logRecord(context, record, head, "request");
  context.metrics.request(record.site, record.status, record.code, record.service, seconds);
  return true;
}

/** Answers the redirect (no body: the Location says it all). */
export function sendRedirect(res: ServerResponse, location: string, requestId: string): void {
  res.writeHead(308, {
    location,
    "content-length": 0,
    "x-request-id": requestId,
  });
  res.end();
}

/** The Host without its port; an IPv6 literal keeps its brackets. */
function hostName(host: string): string {
  if (host.startsWith("[")) return host.slice(0, host.indexOf("]") + 1);
  const colon = host.indexOf(":");
  return colon < 0 ? host : host.slice(0, colon);
}
