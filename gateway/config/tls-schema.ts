/**
 * The boot config's `tls` section: the TLS listener (HTTP/2 and HTTP/1.1 by ALPN), its
 * certificates (loaded, checked and hot-reloaded by the control plane: gateway/tls/README.md),
 * session tickets, client certificates, what the plain listener does, and the HTTP/2 limits
 * a client connection is held to. Units in the names, defaults and bounds beside each field;
 * the reference in gateway/config/README.md is generated from it.
 *
 * The cipher defaults are Mozilla's "intermediate" profile, Server Side TLS guidelines v5.7
 * (https://ssl-config.mozilla.org/guidelines/5.7.json): TLS 1.2 and 1.3, ECDHE (and DHE with
 * a 2048-bit group) with AES-GCM or ChaCha20-Poly1305, curves X25519, P-256, P-384, the
 * client's cipher order (server_preferred_order false).
 */
import { z } from "zod";
import { ms } from "./limits-schema.ts";

const port = z.number().int().min(0).max(65_535);
const count = (fallback: number, min: number, max: number, text: string) =>
  z.number().int().min(min).max(max).default(fallback).describe(text);

/** Mozilla intermediate v5.7, TLS 1.2 suites (TLS 1.3's three are OpenSSL's defaults). */
export const MOZILLA_INTERMEDIATE_CIPHERS = [
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
  "DHE-RSA-AES128-GCM-SHA256",
  "DHE-RSA-AES256-GCM-SHA384",
  "DHE-RSA-CHACHA20-POLY1305",
].join(":");
export const MOZILLA_INTERMEDIATE_CURVES = "X25519:prime256v1:secp384r1";

/** An SNI name a certificate serves: a lowercase DNS name or `*.` and one. */
export const SNI_NAME_PATTERN =
  /^(\*\.)?(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

const certificateSchema = z.strictObject({
  cert: z
    .string()
    .min(1)
    .describe("PEM file: the certificate, then its intermediates (the chain, leaf first)"),
  key: z.string().min(1).describe("PEM file: its private key, unencrypted"),
  names: z
    .array(z.string().regex(SNI_NAME_PATTERN, "a lowercase DNS name or *.domain"))
    .max(256)
    .default([])
    .describe(
      "SNI names it serves (exact or *.domain), each checked against the certificate; empty: the certificate's DNS names",
    ),
  default: z
    .boolean()
    .default(false)
    .describe(
      "served to a client that sends no SNI or one no certificate names (one per key type); none marked: the first",
    ),
});

const http2Schema = z
  .strictObject({
    enabled: z.boolean().default(true).describe("offer h2 in ALPN (HTTP/1.1 is always offered)"),
    maxConcurrentStreams: count(
      100,
      1,
      10_000,
      "streams a client may have open at once on one connection (SETTINGS_MAX_CONCURRENT_STREAMS)",
    ),
    maxHeaderFields: count(
      128,
      8,
      10_000,
      "header fields in one request; more: the stream is refused (Node's maxHeaderListPairs)",
    ),
    initialWindowBytes: count(
      65_535,
      1_024,
      2_147_483_647,
      "per-stream flow-control window granted to the client (SETTINGS_INITIAL_WINDOW_SIZE), bytes",
    ),
    connectionWindowBytes: count(
      1_048_576,
      65_535,
      2_147_483_647,
      "flow-control window of the whole connection for request bodies, bytes",
    ),
    maxClientResetsPerSecond: count(
      100,
      1,
      100_000,
      "streams a client may reset (RST_STREAM) on one connection within one second; more: GOAWAY ENHANCE_YOUR_CALM and the connection is closed (rapid reset, CVE-2023-44487)",
    ),
    maxInvalidFrames: count(
      100,
      1,
      100_000,
      "invalid frames tolerated on one connection before it is closed: zero-length DATA without END_STREAM, a stream opened past maxConcurrentStreams (each refused with REFUSED_STREAM), … (Node's maxSessionInvalidFrames)",
    ),
    maxRejectedStreams: count(
      100,
      1,
      100_000,
      "streams Node refuses on one connection because it is over maxSessionMemoryMib, before the connection is closed (Node's maxSessionRejectedStreams)",
    ),
    maxSettingsEntries: count(
      32,
      1,
      1_000,
      "entries in one SETTINGS frame; more: the connection is closed (Node's maxSettings)",
    ),
    maxOutstandingPings: count(
      10,
      1,
      1_000,
      "PINGs the gateway sent that the client has not acknowledged",
    ),
    maxSessionMemoryMib: count(
      10,
      1,
      1_024,
      "memory one connection may hold (streams, header tables, queued data, unacknowledged frames); over it new streams are refused, MiB",
    ),
    idleTimeoutMs: ms(
      60_000,
      3_600_000,
      "a connection with no stream open for this long gets GOAWAY and is closed (nginx keepalive_timeout for h2, 75 s)",
    ),
    maxSessionMs: ms(
      3_600_000,
      86_400_000,
      "a connection older than this gets GOAWAY: its open streams finish, new ones go to a new connection (Envoy max_connection_duration)",
    ),
  })
  .prefault({});

export const tlsSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe("listen for TLS (h2 and HTTP/1.1 by ALPN)"),
    listen: z
      .strictObject({
        host: z.string().default("0.0.0.0").describe("address to bind"),
        port: port.default(8443).describe("port; 0 picks a free one"),
      })
      .prefault({}),
    certificates: z
      .array(certificateSchema)
      .max(64)
      .default([])
      .describe(
        "certificate and key pairs (at least one when enabled); an ECDSA and an RSA default pair are served side by side (for other names, the ECDSA pair of a name that has both)",
      ),
    minVersion: z
      .enum(["TLSv1.2", "TLSv1.3"])
      .default("TLSv1.2")
      .describe("oldest protocol accepted (Mozilla intermediate: TLSv1.2)"),
    ciphers: z
      .string()
      .min(1)
      .default(MOZILLA_INTERMEDIATE_CIPHERS)
      .describe("TLS 1.2 cipher list, OpenSSL syntax (Mozilla intermediate v5.7)"),
    curves: z
      .string()
      .min(1)
      .default(MOZILLA_INTERMEDIATE_CURVES)
      .describe("key-exchange groups, OpenSSL syntax (Mozilla intermediate v5.7)"),
    handshakeTimeoutMs: ms(
      10_000,
      600_000,
      "a connection that has not finished its TLS handshake by then is closed",
    ),
    ticketKeyRotationMs: ms(
      3_600_000,
      86_400_000,
      "session-ticket keys are made by the control plane and replaced this often; the previous key still resumes, so a ticket lives at most twice this",
    ),
    clientCa: z
      .string()
      .min(1)
      .optional()
      .describe(
        "PEM file of the CAs client certificates are checked against (mTLS); set: every handshake asks for a certificate, and a service with `clientCertificate: required` refuses requests without a valid one",
      ),
    plainHttp: z
      .enum(["serve", "redirect"])
      .default("serve")
      .describe(
        "what the plain listener does: serve every request, or answer 308 to https:// (ACME /.well-known/acme-challenge/ paths are still served)",
      ),
    redirectPort: port
      .min(1)
      .default(443)
      .describe(
        "port in the redirect's https:// URL, as clients reach the TLS listener (443: none)",
      ),
    http2: http2Schema,
  })
  .refine((tls) => !tls.enabled || tls.certificates.length > 0, {
    message: "tls.enabled needs at least one certificate",
    path: ["certificates"],
  });

export type TlsSettings = z.output<typeof tlsSchema>;
export type CertificateSettings = TlsSettings["certificates"][number];
export type Http2Settings = TlsSettings["http2"];
