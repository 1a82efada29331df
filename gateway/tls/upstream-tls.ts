/**
 * Upstream TLS per site (the catalogue's `upstreamTls`): the control plane reads the files a
 * site names — a CA bundle, a client certificate and key — checks them (a bundle that parses,
 * a client pair whose key matches and that is valid for client authentication), and sends the
 * contents to the data planes, which open `https://` pools with them (forward/upstreams.ts).
 * Paths are relative to the catalogue file. A site whose files fail refuses the catalogue
 * (the reload keeps the last good, as for any config error); nothing ever falls back to
 * plain HTTP for a site that asks for TLS.
 */
import { createHash } from "node:crypto";
import { dirname, resolve } from "node:path";
import type { ProbeTls } from "../../health/probes/probe-result.ts";
import type { SiteConfig } from "../../routing-tables/catalogue-schema.ts";
import type { ConfigError } from "../../routing-tables/config-error.ts";
import { readConfigFile } from "../config/read-config-file.ts";
import { serverNameFor } from "../forward/upstream-tls-connect.ts";
import { checkPair } from "./certificate-pair.ts";
import { caBundle, MAX_PEM_BYTES } from "./certificate-store.ts";
import type { UpstreamTls, UpstreamTlsEntry } from "./tls-material.ts";

export interface UpstreamTlsResult {
  readonly upstreams: UpstreamTls;
  readonly errors: readonly ConfigError[];
}

/** The TLS material of every site that asks for it; errors located in the catalogue. */
export function loadUpstreamTls(
  sites: readonly SiteConfig[],
  catalogueFile: string,
  nowMs: number,
): UpstreamTlsResult {
  const base = dirname(catalogueFile);
  const upstreams: Record<string, UpstreamTlsEntry> = {};
  const errors: ConfigError[] = [];
  for (const [index, site] of sites.entries()) {
    const settings = site.upstreamTls;
    if (!settings) continue;
    const fail = (field: string, message: string) =>
      errors.push({
        file: catalogueFile,
        line: 0,
        column: 0,
        path: `sites[${index}].upstreamTls.${field}`,
        message,
      });
    const ca = settings.ca === undefined ? undefined : readCa(resolve(base, settings.ca));
    if (typeof ca === "object") fail("ca", ca.reason);
    const pair =
      settings.clientCert && settings.clientKey
        ? readClientPair(
            resolve(base, settings.clientCert),
            resolve(base, settings.clientKey),
            nowMs,
          )
        : undefined;
    if (pair && "reason" in pair) fail("clientCert", pair.reason);
    if (typeof ca === "object" || (pair && "reason" in pair)) continue;
    upstreams[site.id] = entry({
      ...(ca !== undefined && { ca }),
      ...(settings.serverName && { serverName: settings.serverName }),
      ...(pair && { cert: pair.cert, key: pair.key }),
    });
  }
  return { upstreams, errors };
}

function readCa(file: string): string | { reason: string } {
  const read = readConfigFile(file, MAX_PEM_BYTES);
  if ("error" in read) return { reason: `${file}: ${read.error.message}` };
  const bundle = caBundle(read.text);
  return "reason" in bundle ? { reason: `${file}: ${bundle.reason}` } : bundle.pem;
}

function readClientPair(
  certFile: string,
  keyFile: string,
  nowMs: number,
): { cert: string; key: string } | { reason: string } {
  const cert = readConfigFile(certFile, MAX_PEM_BYTES);
  if ("error" in cert) return { reason: `${certFile}: ${cert.error.message}` };
  const key = readConfigFile(keyFile, MAX_PEM_BYTES);
  if ("error" in key) return { reason: `${keyFile}: ${key.error.message}` };
  const verdict = checkPair(cert.text, key.text, [], nowMs, "client");
  return verdict.ok
    ? { cert: cert.text, key: key.text }
    : { reason: `${certFile}: ${verdict.reason}` };
}

function entry(fields: Omit<UpstreamTlsEntry, "fingerprint">): UpstreamTlsEntry {
  const hash = createHash("sha256");
  for (const value of [fields.ca, fields.serverName, fields.cert, fields.key])
    hash.update(`${value ?? ""}\u0000`);
  return { ...fields, fingerprint: hash.digest("hex") };
}

/** A site's upstream TLS as its probes use it: the same CA, name and client pair as the pools. */
export function probeTls(
  entry: UpstreamTlsEntry | undefined,
  backend: string,
): ProbeTls | undefined {
  if (!entry) return undefined;
  const servername = serverNameFor(backend, entry);
  return {
    fingerprint: entry.fingerprint,
    ...(entry.ca && { ca: entry.ca }),
    ...(servername && { servername }),
    ...(entry.cert && entry.key && { cert: entry.cert, key: entry.key }),
  };
}
