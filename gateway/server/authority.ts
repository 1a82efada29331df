/**
 * Which authority a request names, validated before any routing. Origin-form (`/path`) takes
 * the Host header; absolute-form (`http://host/path`, as sent to proxies) is accepted only
 * when it names the same authority as the Host header, so the gateway is never an open
 * proxy; CONNECT and asterisk-form are refused.
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
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?\.?|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$/;

export function requestAuthority(req: IncomingMessage): Authority {
  const host = req.headers.host ?? "";
  if (req.method === "CONNECT") return refuse("CONNECT: this gateway is not a forward proxy");
  if (!HOST_HEADER.test(host))
    return { ok: false, code: "bad_request", detail: "missing or malformed Host header" };
  const target = req.url ?? "";
  if (target.startsWith("/")) return { ok: true, host, path: target };
  if (!/^https?:\/\//i.test(target))
    return { ok: false, code: "bad_request", detail: "request target must be origin-form" };
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return { ok: false, code: "bad_request", detail: "malformed absolute-form request target" };
  }
  if (url.host.toLowerCase() !== host.toLowerCase() || url.username || url.password) {
    return refuse(`absolute-form target names ${url.host}, not this gateway's ${host}`);
  }
  return { ok: true, host, path: `${url.pathname}${url.search}` };
}

function refuse(detail: string): Authority {
  return { ok: false, code: "open_proxy_refused", detail };
}
