/**
 * The ops view's files, served from memory: the page, its ES modules and its style, read once
 * from `client/` (plain files, no build step), and generated ones (the map). A name maps to a
 * file that was there at load time, and nothing else: no path from the request ever reaches
 * the file system. Each answer has a strong ETag (revalidated: `no-cache`, since a new
 * gateway version may change a file), gzip where the browser takes it, and headers that keep
 * the page to its own origin (a Content-Security-Policy allowing only this origin's scripts,
 * styles and connections; no framing; no referrer; no MIME sniffing).
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join } from "node:path";
import { gzipSync } from "node:zlib";

export interface Asset {
  readonly type: string;
  readonly body: Buffer;
  /** Present when gzip makes it smaller. */
  readonly gzip: Buffer | undefined;
  readonly etag: string;
}

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
};

/** What a served client file may be called: one level, lower case, a known type. */
const NAME = /^[a-z0-9-]+\.(html|js|css)$/;

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
};

/** An asset of `text` (or bytes) with the type its extension names. */
export function asset(name: string, content: string | Buffer): Asset {
  const body = Buffer.isBuffer(content) ? content : Buffer.from(content, "utf8");
  const zipped = body.length > 1_024 ? gzipSync(body) : undefined;
  const digest = createHash("sha256").update(body).digest("base64url").slice(0, 22);
  return {
    type: TYPES[extname(name)] ?? "application/octet-stream",
    body,
    gzip: zipped && zipped.length < body.length ? zipped : undefined,
    etag: `"${digest}"`,
  };
}

/** Every servable file of `folder` (tests and other names left out), by name. */
export function loadAssets(folder: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(folder)) {
    if (!NAME.test(name) || name.includes(".test.")) continue;
    assets.set(name, asset(name, readFileSync(join(folder, name))));
  }
  return assets;
}

/** GET or HEAD of one asset: 304 when the browser has it, gzip when it takes it. */
export function sendAsset(req: IncomingMessage, res: ServerResponse, file: Asset): void {
  const headers: Record<string, string | number> = {
    ...SECURITY_HEADERS,
    "content-type": file.type,
    etag: file.etag,
    "cache-control": "no-cache",
    vary: "accept-encoding",
  };
  if (req.headers["if-none-match"] === file.etag) {
    res.writeHead(304, headers).end();
    return;
  }
  const zipped = file.gzip !== undefined && /\bgzip\b/.test(req.headers["accept-encoding"] ?? "");
  const body = zipped ? (file.gzip as Buffer) : file.body;
  if (zipped) headers["content-encoding"] = "gzip";
  headers["content-length"] = body.length;
  res.writeHead(200, headers);
  res.end(req.method === "HEAD" ? undefined : body);
}
