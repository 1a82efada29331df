/**
 * Reads and validates a boot config; relative paths become relative to its folder. Bounded as
 * the routing config is: the file is read up to its size cap, the errors listed are the first
 * 100 then a count.
 */
import { dirname, resolve } from "node:path";
import { type ConfigError, formatConfigError } from "../../routing-tables/config-error.ts";
import { errorList } from "../../routing-tables/error-list.ts";
import { parseYamlSource, schemaErrors } from "../../routing-tables/yaml-source.ts";
import { type BootConfig, bootSchema } from "./boot-schema.ts";
import { readConfigFile } from "./read-config-file.ts";

export type BootResult =
  | { readonly ok: true; readonly boot: BootConfig }
  | { readonly ok: false; readonly errors: readonly ConfigError[] };

export function loadBoot(file: string): BootResult {
  const read = readConfigFile(file);
  if ("error" in read) return { ok: false, errors: [read.error] };
  const errors = errorList();
  const source = parseYamlSource(file, read.text, errors);
  if (!source) return { ok: false, errors: errors.list() };
  const result = bootSchema.safeParse(source.data);
  if (!result.success) {
    schemaErrors(source, result.error, errors);
    return { ok: false, errors: errors.list() };
  }
  const base = dirname(file);
  const boot = result.data;
  return {
    ok: true,
    boot: {
      ...boot,
      catalogue: resolve(base, boot.catalogue),
      policy: resolve(base, boot.policy),
      stateDirectory: resolve(base, boot.stateDirectory),
      ...(boot.geoip && { geoip: resolve(base, boot.geoip) }),
      tls: {
        ...boot.tls,
        certificates: boot.tls.certificates.map((pair) => ({
          ...pair,
          cert: resolve(base, pair.cert),
          key: resolve(base, pair.key),
        })),
        ...(boot.tls.clientCa && { clientCa: resolve(base, boot.tls.clientCa) }),
      },
    },
  };
}

export const describeErrors = (errors: readonly ConfigError[]) =>
  errors.map(formatConfigError).join("\n");
