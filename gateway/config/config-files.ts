/**
 * Reads config files from disk and validates them together (see routing-tables/load-config.ts).
 * Each file is read up to its size cap (read-config-file.ts); the errors, unreadable files'
 * included, are one bounded list: the first 100, then one entry counting the rest.
 */
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import type { CatalogueConfig } from "../../routing-tables/catalogue-schema.ts";
import { type ConfigError, wholeFileError } from "../../routing-tables/config-error.ts";
import { errorList } from "../../routing-tables/error-list.ts";
import { type ConfigText, validateConfig } from "../../routing-tables/load-config.ts";
import type { PolicyConfig } from "../../routing-tables/policy-schema.ts";
import { readConfigFile } from "./read-config-file.ts";

export const REFERENCE_CATALOGUE = fileURLToPath(
  new URL("../../routing-tables/reference-world/catalogue.yaml", import.meta.url),
);
export const REFERENCE_POLICY = fileURLToPath(
  new URL("../../routing-tables/reference-world/policy.yaml", import.meta.url),
);
export const DEMO_GEOIP = fileURLToPath(new URL("../demo/geoip/demo-city.mmdb", import.meta.url));
/** The demo world's places (one client group per city), the default what-if traffic mix. */
export const DEMO_PLACES = fileURLToPath(new URL("../demo/geoip/clients.json", import.meta.url));

export type LoadResult =
  | { readonly ok: true; readonly catalogue?: CatalogueConfig; readonly policy?: PolicyConfig }
  | { readonly ok: false; readonly errors: readonly ConfigError[] };

/** The files read and validated as a whole, together with `also` (texts held in memory). */
export function loadConfigFiles(
  files: readonly string[],
  also: readonly ConfigText[] = [],
): LoadResult {
  const texts: ConfigText[] = [...also];
  const errors = errorList();
  for (const file of files) {
    const read = readConfigFile(file);
    if ("text" in read) texts.push({ file, text: read.text });
    else errors.add(read.error);
  }
  return validateConfig(texts, errors);
}

/** Both configs, or every error; a missing one of the two is an error too. */
export function loadWorld(catalogueFile: string, policyFile: string) {
  const result = loadConfigFiles([catalogueFile, policyFile]);
  if (!result.ok) return result;
  if (!result.catalogue || !result.policy) {
    const missing = !result.catalogue ? catalogueFile : policyFile;
    const what = !result.catalogue ? "a catalogue (sites:)" : "a policy (services:)";
    return { ok: false as const, errors: [wholeFileError(missing, `expected ${what}`)] };
  }
  return { ok: true as const, catalogue: result.catalogue, policy: result.policy };
}

/**
 * The catalogue file checked against a policy already serving and held elsewhere (Consul
 * KV), or every error; the policy comes back unchanged. Errors about the policy name the
 * file `(policy now serving)`, located in its YAML form.
 */
export function loadCatalogueFor(catalogueFile: string, policy: PolicyConfig) {
  // The gateway's own YAML of a policy it accepted: no size cap (its YAML may be longer than
  // the file or KV value it came from, and a cap here would refuse every catalogue).
  const serving = {
    file: "(policy now serving)",
    text: stringify(policy),
    maxBytes: Number.POSITIVE_INFINITY,
  };
  const result = loadConfigFiles([catalogueFile], [serving]);
  if (!result.ok) return result;
  if (!result.catalogue)
    return {
      ok: false as const,
      errors: [wholeFileError(catalogueFile, "expected a catalogue (sites:)")],
    };
  return { ok: true as const, catalogue: result.catalogue, policy };
}

/**
 * A catalogue a gateway of `site` can serve from: one that holds its own site. Anything else
 * would leave it with no ingress (every request a 500, /readyz 503), so it is refused as a
 * whole, as any invalid config is. Empty when fine.
 */
export function ownSiteErrors(
  catalogue: CatalogueConfig,
  site: string,
  catalogueFile: string,
): ConfigError[] {
  if (catalogue.sites.some((s) => s.id === site)) return [];
  return [
    wholeFileError(
      catalogueFile,
      `this gateway's own site "${site}" is not in the catalogue (sites: ${catalogue.sites
        .slice(0, 20)
        .map((s) => s.id)
        .join(", ")}${catalogue.sites.length > 20 ? ", …" : ""})`,
    ),
  ];
}
