/**
 * The TLS metrics, in the gateway's registry. The control plane's are read at scrape time
 * from the certificate store (expiry per served certificate, refused files); the data
 * plane's are counted as handshakes and HTTP/2 closes happen (plain numbers, bound once per
 * label set) and summed over the workers by the admin's aggregation.
 */
import { Counter, Gauge, type Registry } from "prom-client";
import type { PairStatus } from "./certificate-store.ts";

/** The control plane's: certificate expiry and refused reloads. */
export function trackCertificates(
  registry: Registry,
  status: () => { pairs: readonly PairStatus[] },
  refusedFiles: () => number,
): Counter {
  new Gauge({
    name: "gateway_tls_certificate_expiry_timestamp_seconds",
    help: "notAfter of each certificate served now (the last good of its files), seconds since the epoch",
    labelNames: ["certificate", "key_type"] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const pair of status().pairs)
        if (pair.serving)
          this.labels(pair.cert, pair.serving.keyType).set(pair.serving.notAfterMs / 1e3);
    },
  });
  new Gauge({
    name: "gateway_tls_certificates_refused",
    help: "Certificate or CA files whose latest read was refused (the last good of each serves); 0 when all are good",
    registers: [registry],
    collect() {
      this.set(refusedFiles());
    },
  });
  return new Counter({
    name: "gateway_tls_certificate_reloads_refused_total",
    help: "Certificate or CA file reads refused (key mismatch, expired, not yet valid, names not covered, unreadable)",
    registers: [registry],
  });
}

/** The data plane's counters, bound per label set as they are first seen. */
export class TlsCounters {
  readonly #handshakes: Counter<"version" | "resumed">;
  readonly #failures: Counter<"reason">;
  readonly #closes: Counter<"reason">;
  readonly #bound = new Map<string, Counter.Internal>();

  constructor(registry: Registry) {
    this.#handshakes = new Counter({
      name: "gateway_tls_handshakes_total",
      help: "TLS handshakes completed, by protocol version and whether the session was resumed (a ticket) or full",
      labelNames: ["version", "resumed"] as const,
      registers: [registry],
    });
    this.#failures = new Counter({
      name: "gateway_tls_handshake_failures_total",
      help: "TLS handshakes that failed, by reason (OpenSSL's, e.g. no_shared_cipher, unsupported_protocol; or a timeout)",
      labelNames: ["reason"] as const,
      registers: [registry],
    });
    this.#closes = new Counter({
      name: "gateway_h2_sessions_closed_total",
      help: "HTTP/2 connections the gateway closed, by reason (rapid_reset, idle, max_age, or Node's session error code for floods)",
      labelNames: ["reason"] as const,
      registers: [registry],
    });
  }

  handshake(version: string, resumed: boolean): void {
    const key = `h|${version}|${resumed}`;
    this.#once(key, () => this.#handshakes.labels(version, String(resumed))).inc();
  }

  handshakeFailed(reason: string): void {
    this.#once(`f|${reason}`, () => this.#failures.labels(reason)).inc();
  }

  sessionClosed(reason: string): void {
    this.#once(`c|${reason}`, () => this.#closes.labels(reason)).inc();
  }

  #once(key: string, make: () => Counter.Internal): Counter.Internal {
    let series = this.#bound.get(key);
    if (!series) {
      series = make();
      this.#bound.set(key, series);
    }
    return series;
  }
}
