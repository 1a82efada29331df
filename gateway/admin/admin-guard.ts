/**
 * Who may use the admin API, checked before any endpoint runs, in this order:
 *
 * 1. Host must name the admin listener: an IP literal, `localhost`, `*.localhost`, or one of
 *    `admin.hostNames`. A page on another site that gets its name to resolve to 127.0.0.1 (DNS
 *    rebinding) sends its own name in Host, so it is refused (403), as Vite's and Jupyter's
 *    servers do.
 * 2. A request a browser marks as cross-origin is refused (403): `Sec-Fetch-Site` other than
 *    `same-origin` or `none`, or an `Origin` that is not this Host's (Go's
 *    CrossOriginProtection). A form on a page elsewhere cannot POST an override.
 * 3. Every mutation (any method but GET and HEAD) needs `Authorization: Bearer <token>`, on
 *    loopback too; with no token configured, mutations are refused. Off loopback, reads need it
 *    as well. Reads on loopback stay open: the anycast announcer and the Consul agent's check
 *    poll /readyz there without a token, and steps 1–2 keep browsers out.
 */
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";

export interface AdminGuardSettings {
  /** The bearer token; undefined: no mutation is allowed. */
  readonly token: string | undefined;
  /** DNS names accepted in Host besides IP literals and localhost. */
  readonly hostNames: readonly string[];
}

export type AdminVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: "unauthorized" | "forbidden"; readonly detail: string };

const OK: AdminVerdict = Object.freeze({ ok: true });

export const isLoopback = (address: string) =>
  address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");

export function guardAdmin(req: IncomingMessage, settings: AdminGuardSettings): AdminVerdict {
  const host = req.headers.host ?? "";
  if (!hostAllowed(host, settings.hostNames))
    return { ok: false, code: "forbidden", detail: "this Host is not the admin API's" };
  if (crossOrigin(req, host))
    return { ok: false, code: "forbidden", detail: "cross-origin requests are refused" };
  const read = req.method === "GET" || req.method === "HEAD";
  if (read && isLoopback(req.socket.remoteAddress ?? "")) return OK;
  if (tokenMatches(req, settings.token)) return OK;
  const detail =
    settings.token === undefined
      ? "no admin token is configured: mutations are disabled"
      : read
        ? "a bearer token is required off loopback"
        : "a bearer token is required for every change";
  return { ok: false, code: "unauthorized", detail };
}

/** The host name of a Host header (port and brackets off, lower case, no trailing dot). */
export function hostNameOf(host: string): string {
  const bracket = host.startsWith("[") ? host.indexOf("]") : -1;
  if (bracket > 0) return host.slice(1, bracket).toLowerCase();
  const colon = host.indexOf(":");
  const name = colon < 0 ? host : host.slice(0, colon);
  return name.toLowerCase().replace(/\.$/, "");
}

function hostAllowed(host: string, names: readonly string[]): boolean {
  const name = hostNameOf(host);
  if (name === "") return false;
  if (isIP(name) !== 0 || name === "localhost" || name.endsWith(".localhost")) return true;
  return names.some((allowed) => allowed.toLowerCase().replace(/\.$/, "") === name);
}

function crossOrigin(req: IncomingMessage, host: string): boolean {
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none") return true;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  return origin !== `http://${host}` && origin !== `https://${host}`;
}

function tokenMatches(req: IncomingMessage, token: string | undefined): boolean {
  const offered = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
  if (!token || !offered) return false;
  const a = Buffer.from(offered);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
