/**
 * What the control plane sends its data planes about TLS (the link's `tls-*` messages): the
 * certificate pairs that passed their checks, the client CA, the session-ticket keys, and the
 * upstream TLS settings per site. Plain data (PEM text, bytes) so that it crosses the IPC
 * channel as a structured clone; a data plane builds its secure contexts from it and never
 * reads a certificate file itself.
 */
import type { UpstreamTlsOptions } from "../forward/upstream-tls-connect.ts";
import type { KeyKind } from "./certificate-pair.ts";

/** One certificate pair the control plane checked and serves. */
export interface ServedPair {
  /** The certificate file, naming the pair in logs and the admin view. */
  readonly id: string;
  readonly cert: string;
  readonly key: string;
  /** SNI names (exact, or `*.domain`), lower case. */
  readonly names: readonly string[];
  readonly kind: KeyKind;
  /** Served to clients without SNI or naming no listed name. */
  readonly isDefault: boolean;
}

export interface ServerMaterial {
  /** Bumped by the control plane at every change; a data plane applies a newer one only. */
  readonly generation: number;
  readonly pairs: readonly ServedPair[];
  /** PEM of the CAs client certificates are checked against (tls.clientCa). */
  readonly clientCa?: string;
}

/** 48 bytes each: name (16), HMAC secret (16), AES key (16). */
export interface TicketKeys {
  readonly current: Uint8Array;
  /** The key before the last rotation: tickets it made still resume (and are renewed). */
  readonly previous?: Uint8Array;
}

/** A site's upstream TLS, with the files' contents. */
export type UpstreamTlsEntry = UpstreamTlsOptions;

export type UpstreamTls = Readonly<Record<string, UpstreamTlsEntry>>;

/** The control plane's TLS messages to its data planes (process/link.ts carries them). */
export type TlsMessage =
  | { readonly kind: "tls-certificates"; readonly material: ServerMaterial }
  | { readonly kind: "tls-tickets"; readonly keys: TicketKeys }
  | { readonly kind: "tls-upstreams"; readonly upstreams: UpstreamTls };
