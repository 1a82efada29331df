/**
 * `gateway validate FILE...`: check catalogue and policy files together, like `nginx -t`.
 * `--boot FILE` checks a boot config and the catalogue, policy, GeoIP database and TLS files it names, as
 * `serve` would load them (its own site must be in the catalogue). Prints every error
 * (file:line:column: path: message) and exits 1, or one summary line and 0. Many errors are
 * listed as the first 100 and one line counting the rest (routing-tables/error-list.ts).
 */
import { formatConfigError } from "../../routing-tables/config-error.ts";
import { errorTotal } from "../../routing-tables/error-list.ts";
import {
  type LoadResult,
  loadConfigFiles,
  loadWorld,
  ownSiteErrors,
} from "../config/config-files.ts";
import { loadBoot } from "../config/load-boot.ts";
import { tlsErrors } from "../tls/tls-errors.ts";
import { geoipErrors } from "./geoip-errors.ts";
import { type CommandIo, EXIT_INVALID, EXIT_OK, EXIT_USAGE, parseCommandArgs } from "./io.ts";

export const VALIDATE_USAGE = `usage: gateway validate [--json] FILE...
       gateway validate [--json] --boot FILE
  Validates a site catalogue and/or a routing policy (YAML). Given both, cross-references
  (sites in pins, hubs in hubOrder, jurisdictions in residency rules) are checked too.
  --boot FILE   a gateway's boot config, and the catalogue, policy, GeoIP database and TLS
                files (certificates, client CA, upstream TLS) it names`;

export function validateCommand(args: readonly string[], io: CommandIo): number {
  const parsed = parseCommandArgs(
    "validate",
    VALIDATE_USAGE,
    {
      args: [...args],
      allowPositionals: true,
      options: { json: { type: "boolean" }, boot: { type: "string" } },
    },
    io,
  );
  if (!parsed) return EXIT_USAGE;
  const files = parsed.positionals;
  const bootFile = parsed.values.boot;
  if ((files.length === 0) === (bootFile === undefined)) {
    io.err(VALIDATE_USAGE);
    return EXIT_USAGE;
  }
  const result = bootFile === undefined ? loadConfigFiles(files) : loadBootWorld(bootFile);
  if (parsed.values.json) {
    io.out(
      JSON.stringify(
        result.ok ? { ok: true, errors: [] } : { ok: false, errors: result.errors },
        null,
        2,
      ),
    );
    return result.ok ? EXIT_OK : EXIT_INVALID;
  }
  if (!result.ok) {
    for (const error of result.errors) io.err(formatConfigError(error));
    const n = errorTotal(result.errors);
    const listed =
      n > result.errors.length ? ` (the first ${result.errors.length - 1} listed)` : "";
    io.err(`gateway: ${plural(n, "error")}${listed}; configuration not applied`);
    return EXIT_INVALID;
  }
  const parts: string[] = [];
  if (result.catalogue) {
    const hubs = result.catalogue.sites.filter((s) => s.tier === "hub").length;
    const { length } = result.catalogue.sites;
    parts.push(`${plural(length, "site")} (${length - hubs} edge, ${plural(hubs, "hub")})`);
  }
  if (result.policy) parts.push(plural(result.policy.services.length, "service"));
  const note =
    result.catalogue && result.policy
      ? ""
      : " (cross-references not checked: give catalogue and policy)";
  io.out(`gateway: configuration ok: ${parts.join(", ")}${note}`);
  return EXIT_OK;
}

/** The boot config, then the catalogue and policy it names, then its own site among the sites. */
function loadBootWorld(file: string): LoadResult {
  const loaded = loadBoot(file);
  if (!loaded.ok) return loaded;
  const { boot } = loaded;
  const result = loadWorld(boot.catalogue, boot.policy);
  const errors = [
    ...(result.ok ? ownSiteErrors(result.catalogue, boot.site, boot.catalogue) : result.errors),
    ...geoipErrors(boot.geoip),
    ...tlsErrors(boot, result.ok ? result.catalogue : undefined, file),
  ];
  return errors.length > 0 ? { ok: false, errors } : result;
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? "" : "s"}`;
