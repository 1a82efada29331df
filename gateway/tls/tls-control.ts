/**
 * The control plane's side of TLS: the one place certificates are read, checked and reloaded
 * (the certificate store), session-ticket keys made and rotated, and the upstream TLS files of
 * the catalogue read. Every change is published to the data planes (`publish`, in the order
 * made); `preamble()` is what a data plane is sent before the routing state, so a worker forked
 * again has the current certificates and keys before it serves.
 *
 * Reloads: a change of a certificate, key or client CA file (config/watch-files.ts: folder
 * watches, debounced, polling where watching fails) and SIGHUP (`reload()`) read them all
 * again; a refused file is logged with its reason, counted, shown in /sites and /tls, and its
 * last good keeps serving. Upstream TLS files are read with the catalogue (a reload refuses a
 * catalogue whose files fail: `vetCatalogue`) and on SIGHUP.
 */
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { CatalogueConfig } from "../../routing-tables/catalogue-schema.ts";
import type { ConfigError } from "../../routing-tables/config-error.ts";
import { formatConfigError } from "../../routing-tables/config-error.ts";
import type { TlsSettings } from "../config/tls-schema.ts";
import { watchFiles } from "../config/watch-files.ts";
import { CertificateStore } from "./certificate-store.ts";
import { rsaShadowedNames } from "./sni-contexts.ts";
import { TicketKeyRing } from "./ticket-keys.ts";
import type { TlsMessage, UpstreamTls, UpstreamTlsEntry } from "./tls-material.ts";
import { trackCertificates } from "./tls-metrics.ts";
import { loadUpstreamTls } from "./upstream-tls.ts";

export interface TlsControlOptions {
  readonly tls: TlsSettings;
  /** The catalogue file (upstream TLS paths are relative to it). */
  readonly catalogueFile: string;
  /** The catalogue serving now (the file's sites and the fleet's). */
  readonly catalogue: () => CatalogueConfig;
  readonly publish: (message: TlsMessage) => void;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly now: () => number;
  /** Watch the certificate files (off in tests that reload by hand). Default true. */
  readonly watch?: boolean;
}

export interface TlsControl {
  /** The messages a new data plane gets before the routing state. */
  preamble(): TlsMessage[];
  /** SIGHUP: every certificate and upstream TLS file again. */
  reload(): void;
  /** A catalogue about to be served: its upstream TLS files' errors, or none (then published). */
  vetCatalogue(catalogue: CatalogueConfig): readonly ConfigError[];
  /** The admin view: what is served, what was refused, never a key. */
  status(): unknown;
  /** A site's upstream TLS material now (the probes use it), if it has any. */
  upstreamTls(siteId: string): UpstreamTlsEntry | undefined;
  close(): void;
}

/** Starts TLS control; throws when a configured file never passed its checks (no last good). */
export function startTlsControl(options: TlsControlOptions): TlsControl {
  const { tls, logger } = options;
  const store = tls.enabled ? new CertificateStore(tls, options.now) : undefined;
  const refusedTotal = store
    ? trackCertificates(
        options.registry,
        () => store.status(),
        () => store.refusedCount(),
      )
    : undefined;
  const loadCertificates = (why: string) => {
    if (!store) return;
    const result = store.load();
    for (const refusal of result.refused) {
      refusedTotal?.inc();
      logger.error({ ...refusal, why }, "certificate refused; the last good keeps serving");
    }
    if (!result.changed) return;
    logger.info({ generation: store.material().generation, why }, "certificates loaded");
    options.publish({ kind: "tls-certificates", material: store.material() });
  };
  loadCertificates("start");
  const never = store?.neverServed() ?? [];
  if (never.length > 0)
    throw new Error(`TLS: ${never.map((file) => `${file.file}: ${file.reason}`).join("; ")}`);
  const ring = new TicketKeyRing();
  let rotatedAtMs = options.now();
  const rotation = tls.enabled
    ? setInterval(() => {
        rotatedAtMs = options.now();
        options.publish({ kind: "tls-tickets", keys: ring.rotate() });
      }, tls.ticketKeyRotationMs).unref()
    : undefined;

  let upstreams: UpstreamTls = {};
  const publishUpstreams = (next: UpstreamTls) => {
    if (sameUpstreams(upstreams, next)) return;
    upstreams = next;
    options.publish({ kind: "tls-upstreams", upstreams });
  };
  const loadUpstreams = (catalogue: CatalogueConfig) =>
    loadUpstreamTls(catalogue.sites, options.catalogueFile, options.now());
  const first = loadUpstreams(options.catalogue());
  if (first.errors.length > 0)
    throw new Error(`upstream TLS: ${first.errors.map(formatConfigError).join("; ")}`);
  upstreams = first.upstreams;

  const files = store
    ? [
        ...tls.certificates.flatMap((pair) => [pair.cert, pair.key]),
        ...(tls.clientCa ? [tls.clientCa] : []),
      ]
    : [];
  const watch =
    options.watch !== false && files.length > 0
      ? watchFiles(files, () => loadCertificates("file changed"), {
          onError: (err, during) =>
            logger.warn({ err, during }, "certificate files: watch failed; polling them"),
        })
      : undefined;

  return {
    preamble: () => [
      ...(store ? [{ kind: "tls-certificates" as const, material: store.material() }] : []),
      ...(tls.enabled ? [{ kind: "tls-tickets" as const, keys: ring.keys }] : []),
      { kind: "tls-upstreams", upstreams },
    ],
    reload: () => {
      loadCertificates("reload");
      const result = loadUpstreams(options.catalogue());
      for (const error of result.errors)
        logger.error(
          { error: formatConfigError(error) },
          "upstream TLS file refused; the last good serves",
        );
      if (result.errors.length === 0) publishUpstreams(result.upstreams);
    },
    vetCatalogue: (catalogue) => {
      const result = loadUpstreams(catalogue);
      if (result.errors.length === 0) publishUpstreams(result.upstreams);
      return result.errors;
    },
    status: () => ({
      enabled: tls.enabled,
      ...store?.status(),
      ...(store && { rsaShadowed: rsaShadowedNames(store.material().pairs) }),
      ticketKeys: tls.enabled
        ? { rotatedAt: new Date(rotatedAtMs).toISOString(), rotationMs: tls.ticketKeyRotationMs }
        : null,
      upstreamTls: Object.keys(upstreams),
    }),
    upstreamTls: (siteId) => upstreams[siteId],
    close: () => {
      clearInterval(rotation);
      watch?.close();
    },
  };
}

function sameUpstreams(a: UpstreamTls, b: UpstreamTls): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((site) => a[site]?.fingerprint === b[site]?.fingerprint);
}
