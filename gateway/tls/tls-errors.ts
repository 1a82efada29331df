/**
 * The TLS files a boot config and its catalogue name, checked as the control plane will at
 * start: every certificate pair and the client CA (certificate-store.ts), every site's
 * upstream TLS files (upstream-tls.ts); and the protocol settings (`tls.ciphers`,
 * `tls.curves`, `tls.minVersion`) tried in a secure context, as each worker will build one. `gateway validate --boot` lists these errors, and
 * `gateway serve` refuses to start with them, each as `file: message` (nginx -t's way).
 */
import { createSecureContext } from "node:tls";
import type { CatalogueConfig } from "../../routing-tables/catalogue-schema.ts";
import { type ConfigError, wholeFileError } from "../../routing-tables/config-error.ts";
import type { BootConfig } from "../config/boot-schema.ts";
import { CertificateStore } from "./certificate-store.ts";
import { loadUpstreamTls } from "./upstream-tls.ts";

export function tlsErrors(
  boot: Pick<BootConfig, "tls" | "catalogue">,
  catalogue: CatalogueConfig | undefined,
  bootFile: string,
  nowMs = Date.now(),
): ConfigError[] {
  const errors: ConfigError[] = [];
  if (boot.tls.enabled) {
    const { minVersion, ciphers, curves } = boot.tls;
    try {
      createSecureContext({ minVersion, ciphers, ecdhCurve: curves });
    } catch (error) {
      const message = `OpenSSL refuses the protocol settings: ${(error as Error).message}`;
      errors.push({ ...wholeFileError(bootFile, message), path: "tls.ciphers, tls.curves" });
    }
    const store = new CertificateStore(boot.tls, () => nowMs);
    store.load();
    for (const { file, reason } of store.neverServed())
      errors.push(wholeFileError(file, `refused: ${reason}`));
  }
  if (catalogue) errors.push(...loadUpstreamTls(catalogue.sites, boot.catalogue, nowMs).errors);
  return errors;
}
