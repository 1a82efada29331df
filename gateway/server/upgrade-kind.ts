/**
 * What an `Upgrade` request asks for, from its head alone (RFC 9110 §7.8: an upgrade needs
 * `Upgrade` and the `upgrade` token in `Connection`):
 *
 * - `websocket`: a GET asking for `websocket` alone (RFC 6455 §4.1), proxied by http-proxy-3;
 * - `h2c`: HTTP/2 over cleartext (what `curl --http2 http://…` sends), which the gateway does
 *   not speak: served as plain HTTP/1.1, the upgrade dropped, as nginx does;
 * - `other`: any other protocol, or WebSocket with another method: refused with 403
 *   `upgrade_not_supported` (Envoy answers an upgrade it is not configured for with 403);
 * - `none`: not an upgrade request.
 */
import type { IncomingMessage } from "node:http";

export type UpgradeKind = "none" | "websocket" | "h2c" | "other";

type Head = Pick<IncomingMessage, "method" | "headers">;

export function upgradeKind(req: Head): UpgradeKind {
  const upgrade = req.headers.upgrade;
  if (upgrade === undefined || !listsUpgrade(req.headers.connection)) return "none";
  const protocols = tokens(upgrade).map((t) => t.split("/")[0] ?? "");
  if (protocols.length === 1 && protocols[0] === "websocket")
    return req.method === "GET" ? "websocket" : "other";
  if (protocols.length > 0 && protocols.every((p) => p === "h2c")) return "h2c";
  return "other";
}

/** For node:http's `shouldUpgradeCallback`: only a WebSocket upgrade leaves the request path. */
export const isWebSocketUpgrade = (req: IncomingMessage): boolean =>
  upgradeKind(req) === "websocket";

function listsUpgrade(connection: string | string[] | undefined): boolean {
  if (connection === undefined) return false;
  return tokens(typeof connection === "string" ? connection : connection.join(",")).includes(
    "upgrade",
  );
}

/** A comma list, trimmed and lower-cased, empty items dropped; at most 16 items read. */
function tokens(list: string): string[] {
  return list
    .split(",", 16)
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== "");
}
