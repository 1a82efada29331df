/**
 * Which authority a request names, validated before any routing. Origin-form (`/path`) takes
 * the Host header; absolute-form (`http://host/path`, as sent to proxies) is accepted only
 * when it names the same authority as the Host header (a port that is the scheme's default
 * names the same authority as none: `https://h:443/` and `Host: h`), so the gateway is never
 * an open proxy; CONNECT and asterisk-form are refused. A request with two Host lines, or a
 * Host port outside 1–65535, is refused (RFC 9112 §3.2: 400). The path returned is as the
 * client wrote it: normalize-path.ts makes it canonical.
 *
 * HTTP/2 (RFC 9113 §8.3.1): `:authority` is the Host, held to the same rules; a request
 * without it may carry Host instead, and one with both must name the same authority in each
 * (else 400). `:path` is origin-form; absolute-form does not exist there.
 */
import type { IncomingMessage } from "node:http";

export type Authority =
  | { readonly ok: true; readonly host: string; readonly path: string }
  | {
      readonly ok: false;
      readonly code: "bad_request" | "open_proxy_refused";
      readonly detail: string;
    };

/** reg-name or IPv4 (letters, digits, dot, hyphen) or a bracketed IPv6 literal, optional port. */
const HOST_HEADER =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?\.?|\[[0-9A-Fa-f:.]{2,45}\])(?::([0-9]{1,5}))?$/;

const DEFAULT_PORT: Readonly<Record<string, string>> = { "http:": "80", "https:": "443" };

export function requestAuthority(req: IncomingMessage): Authority {
  if (req.method === "CONNECT") return refuse("CONNECT: this gateway is not a forward proxy");
  const named = hostOf(req);
  if (typeof named !== "string") return named;
  const host = named;
  const shape = HOST_HEADER.exec(host);
  if (!shape) return bad("missing or malformed Host header");
  if (shape[1] !== undefined && !validPort(shape[1])) return bad("Host port outside 1–65535");
  if (hostLines(req.rawHeaders) > 1) return bad("more than one Host header");
  const target = req.url ?? "";
  if (target.startsWith("/")) return { ok: true, host, path: target };
  if (!/^https?:\/\//i.test(target)) return bad("request target must be origin-form");
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return bad("malformed absolute-form request target");
  }
  if (url.username || url.password || !sameAuthority(url, host)) {
    return refuse(`absolute-form target names ${url.host}, not this gateway's ${host}`);
  }
  return { ok: true, host, path: rawPath(target) };
}

/** The Host of an HTTP/1.x request; of an HTTP/2 one, `:authority` checked against Host. */
export function hostOf(req: IncomingMessage): string | Authority {
  const host = req.headers.host;
  if (req.httpVersionMajor < 2) return host ?? "";
  const authority = req.headers[":authority"];
  if (typeof authority !== "string") return host ?? "";
  if (host !== undefined && host.toLowerCase() !== authority.toLowerCase())
    return bad("Host names another authority than :authority");
  return authority;
}

function validPort(port: string): boolean {
  const n = Number(port);
  return n >= 1 && n <= 65_535;
}

/** Host lines in the raw head (Node keeps the first of several in `headers.host`). */
function hostLines(raw: readonly string[]): number {
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 4 && name.toLowerCase() === "host") count += 1;
  }
  return count;
}

/** Same host name, and the same port once each side's missing port is the scheme's default. */
function sameAuthority(url: URL, host: string): boolean {
  const fallback = DEFAULT_PORT[url.protocol] ?? "";
  const colon = host.lastIndexOf(":");
  const hasPort = colon > host.lastIndexOf("]");
  const hostName = hasPort ? host.slice(0, colon) : host;
  const hostPort = hasPort ? String(Number(host.slice(colon + 1))) : fallback;
  return (
    url.hostname.toLowerCase() === hostName.toLowerCase() && (url.port || fallback) === hostPort
  );
}

/** The path and query of an absolute-form target as written (the URL parser would normalise). */
function rawPath(target: string): string {
  const afterScheme = target.indexOf("//") + 2;
  const start = target.slice(afterScheme).search(/[/?]/);
  if (start < 0) return "/";
  const rest = target.slice(afterScheme + start);
  return rest.startsWith("?") ? `/${rest}` : rest;
}

function bad(detail: string): Authority {
  return { ok: false, code: "bad_request", detail };
}

function refuse(detail: string): Authority {
  return { ok: false, code: "open_proxy_refused", detail };
}
